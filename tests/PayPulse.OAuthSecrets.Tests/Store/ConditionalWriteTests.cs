using System.Text.Json.Nodes;
using PayPulse.OAuthSecrets.Internal;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Tests.Store;

/// <summary>
/// The conditional writes of the store: put under the private label, then move AWSCURRENT from the version the write
/// was based on. Another writer is played by a plain put (as the Python Lambdas write) between the two calls.
/// </summary>
public sealed class ConditionalWriteTests : TokenStoreTestBase
{
    private const string Name = "gmail/user/u-1";

    [Fact]
    public async Task UpdateAsync_AnotherWriterUpdatedTheSameGrantMeanwhile_MergesOntoWhatItWrote()
    {
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(), Alice);
        Calls.Reset();
        Calls.BeforeStageMove = OnceThen(() => RewriteStored(doc =>
        {
            doc["access_token"] = "ya29.python-refreshed";
            doc["python_key"] = 1;
        }));
        Time.Advance(TimeSpan.FromSeconds(10));

        var updated = await store.UpdateAsync("u-1", Grant(access: "ya29.ours", refresh: "1//rotated"));

        var stored = StoredJson("u-1");
        stored.GetProperty("access_token").GetString().Should().Be("ya29.ours", "the later expiry wins");
        stored.GetProperty("refresh_token").GetString().Should().Be("1//rotated", "a rotated refresh token is kept");
        stored.GetProperty("python_key").GetInt32().Should().Be(1, "the other writer's keys are merged, not lost");
        updated.AccessToken.Should().Be("ya29.ours");
        Calls["Get"].Should().Be(1);
        Calls["Put"].Should().Be(2);
        Calls["UpdateStage"].Should().Be(2);
    }

    [Fact]
    public async Task UpdateAsync_AnotherWriterWithALaterExpiryMeanwhile_KeepsItsAccessTokenAndWritesNothingMore()
    {
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(), Alice);
        Calls.BeforeStageMove = OnceThen(() => RewriteStored(doc =>
        {
            doc["access_token"] = "ya29.later";
            doc["expires_at"] = "2026-11-25T09:00:00";
        }));
        Calls.Reset();

        var updated = await store.UpdateAsync("u-1", Grant(access: "ya29.ours"));

        updated.AccessToken.Should().Be("ya29.later");
        StoredJson("u-1").GetProperty("access_token").GetString().Should().Be("ya29.later");
        Calls["Put"].Should().Be(1, "what is stored is already newer: nothing to write on the second round");
    }

    [Fact]
    public async Task UpdateAsync_AnotherGrantStoredMeanwhile_NeverOverwritesItAndReturnsIt()
    {
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(), Alice);
        Calls.BeforeStageMove = OnceThen(() => RewriteStored(doc =>
        {
            doc["access_token"] = "ya29.bob";
            doc["refresh_token"] = "1//bob";
            doc["google_user_id"] = "222";
        }));

        var updated = await store.UpdateAsync("u-1", Grant(access: "ya29.alice-refreshed"));

        updated.AccessToken.Should().Be("ya29.bob");
        var stored = StoredJson("u-1");
        stored.GetProperty("access_token").GetString().Should().Be("ya29.bob");
        stored.GetProperty("refresh_token").GetString().Should().Be("1//bob");
        Logger.Collector.GetSnapshot().Should().Contain(r => r.Id.Name == "WriteBackSuperseded");
    }

    [Fact]
    public async Task UpdateAsync_SecretChangesUnderEveryAttempt_GivesUpWithATypedConflict()
    {
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(), Alice);
        var writes = 0;
        Calls.BeforeStageMove = _ => RewriteStored(doc => doc["python_write"] = ++writes);
        Calls.Reset();

        var ex = (await FluentActions.Awaiting(() => store.UpdateAsync("u-1", Grant(access: "ya29.ours")))
            .Should().ThrowAsync<OAuthTokenConflictException>()).Which;

        ex.Attempts.Should().Be(SecretsManagerOAuthTokenStore.MaxCommitAttempts);
        ex.UserId.Should().Be("u-1");
        ex.Message.Should().NotContain(AccessToken).And.NotContain("ya29.ours");
        Calls["UpdateStage"].Should().Be(SecretsManagerOAuthTokenStore.MaxCommitAttempts);
        StoredJson("u-1").GetProperty("python_write").GetInt32().Should().Be(writes, "the other writer's last value stands");
    }

    [Fact]
    public async Task UpdateAsync_OwnStageMoveWentThroughButItsAnswerWasLost_IsNotAConflict()
    {
        const string stored = """{"access_token":"ya29.old","refresh_token":"1//r","expires_at":"2026-11-25T06:00:00"}""";
        const string baseVersion = "00000000-0000-0000-0000-000000000001";
        string? written = null;
        string? ours = null;
        var client = Substitute.For<ISecretsManagerClient>();
        client.GetSecretValueAsync(default!, default).ReturnsForAnyArgs(
            _ => new SecretValue(Name, null, ours ?? baseVersion, written ?? stored, null));
        client.PutSecretValueAsync(default!, default!, default!, default(string)!, default).ReturnsForAnyArgs(ci =>
        {
            written = ci.ArgAt<string>(1);
            return new SecretWriteResult(Name, null, ci.ArgAt<string>(2));
        });
        client.UpdateSecretVersionStageAsync(default!, default!, default!, default!, default).ReturnsForAnyArgs(ci =>
        {
            // The retried move of an applied move: AWSCURRENT is no longer on the base version.
            ours = ci.ArgAt<string>(2);
            return Task.FromException(new SecretsManagerException("stale", SecretsManagerErrorKind.InvalidParameter, "InvalidParameterException", HttpStatusCode.BadRequest, null));
        });

        var updated = await CreateStore(client).UpdateAsync("u-1", Grant(access: "ya29.new"));

        updated.AccessToken.Should().Be("ya29.new");
        await client.ReceivedWithAnyArgs(1).PutSecretValueAsync(default!, default!, default!, default(string)!, default);
        await client.ReceivedWithAnyArgs(2).GetSecretValueAsync(default!, default);
    }

    [Fact]
    public async Task StoreAsync_WithoutARefreshToken_WhileTheStoredOneRotates_KeepsTheRotatedOne()
    {
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(), Alice);
        Calls.BeforeStageMove = OnceThen(() => RewriteStored(doc => doc["refresh_token"] = "1//rotated-elsewhere"));
        Calls.Reset();

        var result = await store.StoreAsync("u-1", Grant(access: "ya29.reconnected", refresh: null), Alice);

        result.Bundle.RefreshToken.Should().Be("1//rotated-elsewhere");
        var stored = StoredJson("u-1");
        stored.GetProperty("access_token").GetString().Should().Be("ya29.reconnected", "the newest consent still wins");
        stored.GetProperty("refresh_token").GetString().Should().Be("1//rotated-elsewhere", "the consumed refresh token is never written back");
    }

    [Fact]
    public async Task StoreAsync_WithARefreshToken_IsOneReadAndOnePlainWrite()
    {
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(), Alice);
        Calls.Reset();

        await store.StoreAsync("u-1", Grant(access: "ya29.again", refresh: "1//again"), Alice);

        Calls["Get"].Should().Be(1);
        Calls["Put"].Should().Be(1);
        Calls["UpdateStage"].Should().Be(0);
        Calls.Total.Should().Be(2);
    }

    [Fact]
    public async Task GetAsync_KnownBundleWithinTheCacheDuration_MakesNoCall()
    {
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(), Alice);
        Calls.Reset();

        (await store.GetAsync("u-1"))!.AccessToken.Should().Be(AccessToken);
        Time.Advance(Options.BundleCacheDuration);
        await store.GetAsync("u-1");
        Calls.Total.Should().Be(0);

        Time.Advance(TimeSpan.FromTicks(1));
        await store.GetAsync("u-1");
        Calls["Get"].Should().Be(1);
    }

    [Fact]
    public async Task GetAsync_KnownBundleWithinRefreshBeforeExpiry_ReadsAgain()
    {
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(seconds: 299), Alice);
        Calls.Reset();

        await store.GetAsync("u-1");

        Calls["Get"].Should().Be(1, "another process may have refreshed it");
    }

    [Fact]
    public async Task GetAsync_CacheDurationZero_AlwaysReads()
    {
        Options.BundleCacheDuration = TimeSpan.Zero;
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(), Alice);
        Calls.Reset();

        await store.GetAsync("u-1");
        await store.GetAsync("u-1");

        Calls["Get"].Should().Be(2);
    }

    [Fact]
    public async Task DeleteAsync_EvictsWhatThisProcessKnows()
    {
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(), Alice);

        await store.DeleteAsync("u-1");

        (await store.GetAsync("u-1")).Should().BeNull();
        Calls["Get"].Should().Be(2, "the store's own read and the read after the delete");
    }

    [Fact]
    public async Task UpdateRefreshedAsync_AfterAReconnectInThisProcess_NeverWritesTheOldGrantOverIt()
    {
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(), Alice);
        await store.StoreAsync("u-1", Grant(access: "ya29.bob", refresh: "1//bob"), Bob);
        Calls.Reset();

        // Tokens refreshed from Alice's grant arrive after Bob's reconnect.
        var result = await store.UpdateRefreshedAsync("u-1", RefreshToken, Grant(access: "ya29.alice-refreshed", refresh: null));

        result.AccessToken.Should().Be("ya29.bob");
        StoredJson("u-1").GetProperty("access_token").GetString().Should().Be("ya29.bob");
        Calls["Put"].Should().Be(0);
    }

    [Fact]
    public async Task UpdateRefreshedAsync_StillTheSameGrant_WritesConditionally()
    {
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(), Alice);
        Calls.Reset();

        var result = await store.UpdateRefreshedAsync("u-1", RefreshToken, Grant(access: "ya29.refreshed", refresh: "1//rotated"));

        result.RefreshToken.Should().Be("1//rotated");
        StoredJson("u-1").GetProperty("access_token").GetString().Should().Be("ya29.refreshed");
        Calls["UpdateStage"].Should().Be(1);
        Calls["Get"].Should().Be(0, "the bundle this process just wrote is the base");
    }

    [Fact]
    public async Task UpdateRefreshedAsync_KnownBundleOfAnotherGrant_ReadsAgainBeforeDeciding()
    {
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(access: "ya29.bob", refresh: "1//bob"), Bob);
        // Another process reconnected Alice's grant after this one stored Bob's.
        RewriteStored(doc =>
        {
            doc["access_token"] = AccessToken;
            doc["refresh_token"] = RefreshToken;
        });
        Calls.Reset();

        var result = await store.UpdateRefreshedAsync("u-1", RefreshToken, Grant(access: "ya29.alice-refreshed", refresh: null));

        result.AccessToken.Should().Be("ya29.alice-refreshed");
        Calls["Get"].Should().Be(1);
    }

    [Fact]
    public async Task UpdateRefreshedAsync_EmptyPresentedToken_ThrowsBeforeAnyCall()
    {
        await FluentActions.Awaiting(() => CreateStore().UpdateRefreshedAsync("u-1", "", Grant())).Should().ThrowAsync<ArgumentException>();
        Calls.Total.Should().Be(0);
    }

    [Fact]
    public async Task UpdateRefreshedAsync_SecretAlreadyHoldsTheRotatedTokenWithALaterExpiry_KeepsTheNewerAccessToken()
    {
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(), Alice);
        // Another process refreshed the same grant first: rotated refresh token, access token valid for longer.
        RewriteStored(doc =>
        {
            doc["access_token"] = "ya29.newer";
            doc["refresh_token"] = "1//rotated";
            doc["expires_at"] = "2026-11-25T09:00:00";
        });
        Calls.Reset();

        // A process that does not know the bundle yet.
        var result = await CreateStore().UpdateRefreshedAsync("u-1", RefreshToken, Grant(access: "ya29.older", refresh: "1//rotated"));

        result.AccessToken.Should().Be("ya29.newer", "the later expiry wins");
        StoredJson("u-1").GetProperty("access_token").GetString().Should().Be("ya29.newer");
        Calls["Put"].Should().Be(0, "what is stored is already newer");
    }

    [Fact]
    public async Task UpdateAsync_StageMoveRefusedWhileTheSecretIsStillAtTheBase_IsAParameterErrorNotAConflict()
    {
        const string stored = """{"access_token":"ya29.old","refresh_token":"1//r","expires_at":"2026-11-25T06:00:00"}""";
        var client = Substitute.For<ISecretsManagerClient>();
        client.GetSecretValueAsync(default!, default).ReturnsForAnyArgs(new SecretValue(Name, null, "00000000-0000-0000-0000-000000000001", stored, null));
        client.PutSecretValueAsync(default!, default!, default!, default(string)!, default)
            .ReturnsForAnyArgs(ci => new SecretWriteResult(Name, null, ci.ArgAt<string>(2)));
        client.UpdateSecretVersionStageAsync(default!, default!, default!, default!, default).ReturnsForAnyArgs(
            Task.FromException(new SecretsManagerException("bad", SecretsManagerErrorKind.InvalidParameter, "InvalidParameterException", HttpStatusCode.BadRequest, null)));

        var ex = (await FluentActions.Awaiting(() => CreateStore(client).UpdateAsync("u-1", Grant(access: "ya29.new")))
            .Should().ThrowAsync<SecretsManagerException>()).Which;

        ex.Kind.Should().Be(SecretsManagerErrorKind.InvalidParameter);
        await client.ReceivedWithAnyArgs(1).UpdateSecretVersionStageAsync(default!, default!, default!, default!, default);
    }

    private static Action<string> OnceThen(Action action)
    {
        var done = 0;
        return _ =>
        {
            if (Interlocked.Exchange(ref done, 1) == 0)
            {
                action();
            }
        };
    }

    /// <summary>A plain write of the whole document, as the Python Lambdas make it.</summary>
    private void RewriteStored(Action<JsonObject> change)
    {
        var document = JsonNode.Parse(Secrets.GetSecretString(Name)!)!.AsObject();
        change(document);
        Secrets.SetSecretString(Name, document.ToJsonString());
    }
}
