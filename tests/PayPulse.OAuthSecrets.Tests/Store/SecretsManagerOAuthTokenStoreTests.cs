using Microsoft.Extensions.Logging;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Tests.Store;

public sealed class SecretsManagerOAuthTokenStoreTests : TokenStoreTestBase
{
    [Fact]
    public async Task GetAsync_NoSecret_ReturnsNullWithOneCall()
    {
        var bundle = await CreateStore().GetAsync("u-1");

        bundle.Should().BeNull();
        Calls.Total.Should().Be(1);
    }

    [Fact]
    public async Task StoreAsync_NewUser_CreatesThePythonShapedSecret()
    {
        var result = await CreateStore().StoreAsync("u-1", Grant(), Alice);

        result.Created.Should().BeTrue();
        result.AccountSwitched.Should().BeFalse();
        var json = StoredJson("u-1");
        Keys(json).Should().Equal(
            "access_token", "refresh_token", "expires_at", "expires_in", "scope", "token_type", "created_at",
            "google_user_id", "google_email", "google_name", "google_verified_email");
        json.GetProperty("access_token").GetString().Should().Be(AccessToken);
        json.GetProperty("refresh_token").GetString().Should().Be(RefreshToken);
        json.GetProperty("expires_at").GetString().Should().Be("2026-11-25T06:03:03.123456");
        json.GetProperty("created_at").GetString().Should().Be("2026-11-25T05:03:04.123456");
        json.GetProperty("expires_in").GetInt32().Should().Be(3599);
        json.GetProperty("scope").GetString().Should().Be("https://www.googleapis.com/auth/gmail.readonly");
        json.GetProperty("token_type").GetString().Should().Be("Bearer");
        json.GetProperty("google_user_id").GetString().Should().Be("111");
        json.GetProperty("google_email").GetString().Should().Be("alice@example.com");
        json.GetProperty("google_name").GetString().Should().Be("Alice");
        json.GetProperty("google_verified_email").GetBoolean().Should().BeTrue();
        Logger.Collector.GetSnapshot().Should().Contain(r => r.Id.Id == 1002 && r.Level == LogLevel.Information);
    }

    [Fact]
    public async Task StoreAsync_ThenGetAsync_RoundTripsTheBundle()
    {
        var stored = (await CreateStore().StoreAsync("u-1", Grant(scope: "a b"), Alice)).Bundle;

        var read = await CreateStore().GetAsync("u-1");

        read.Should().Be(stored);
        read!.ExpiresAt.Should().Be(Now.AddTicks(-(Now.Ticks % 10)) + TimeSpan.FromSeconds(3599));
        read.Scope.Should().Be("a b");
    }

    [Fact]
    public async Task StoreAsync_ExistingUser_UpdatesWithOneReadAndOneWrite()
    {
        await CreateStore().StoreAsync("u-1", Grant(), Alice);
        Calls.Reset();

        var result = await CreateStore().StoreAsync("u-1", Grant(access: "ya29.second"), Alice);

        result.Created.Should().BeFalse();
        Calls["Get"].Should().Be(1);
        Calls["Put"].Should().Be(1);
        Calls.Total.Should().Be(2);
        StoredJson("u-1").GetProperty("access_token").GetString().Should().Be("ya29.second");
    }

    [Fact]
    public async Task StoreAsync_GrantWithoutRefreshToken_KeepsTheStoredOne()
    {
        await CreateStore().StoreAsync("u-1", Grant(), Alice);

        var result = await CreateStore().StoreAsync("u-1", Grant(access: "ya29.second", refresh: null), Alice);

        result.Bundle.RefreshToken.Should().Be(RefreshToken);
        StoredJson("u-1").GetProperty("refresh_token").GetString().Should().Be(RefreshToken);
    }

    [Fact]
    public async Task StoreAsync_NewUserWithoutRefreshToken_StoresNull()
    {
        await CreateStore().StoreAsync("u-1", Grant(refresh: null));

        StoredJson("u-1").GetProperty("refresh_token").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null);
        (await CreateStore().GetAsync("u-1"))!.RefreshToken.Should().BeNull();
    }

    [Fact]
    public async Task StoreAsync_DifferentGoogleAccount_ReportsTheSwitchAndDropsTheOldRefreshToken()
    {
        await CreateStore().StoreAsync("u-1", Grant(), Alice);

        var result = await CreateStore().StoreAsync("u-1", Grant(access: "ya29.bob", refresh: null), Bob);

        result.AccountSwitched.Should().BeTrue();
        result.PreviousGoogleEmail.Should().Be("alice@example.com");
        result.Bundle.GoogleUser.Should().Be(Bob);
        result.Bundle.RefreshToken.Should().BeNull("Alice's refresh token must never be used for Bob's account");
        Logger.Collector.GetSnapshot().Should().Contain(r => r.Id.Id == 1006);
    }

    [Fact]
    public async Task StoreAsync_SameGoogleAccount_IsNoSwitch()
    {
        await CreateStore().StoreAsync("u-1", Grant(), Alice);

        var result = await CreateStore().StoreAsync("u-1", Grant(), Alice with { Name = "Alice B." });

        result.AccountSwitched.Should().BeFalse();
        result.PreviousGoogleEmail.Should().BeNull();
    }

    [Fact]
    public async Task StoreAsync_WithoutGoogleUser_KeepsTheStoredAccountAndScope()
    {
        await CreateStore().StoreAsync("u-1", Grant(scope: "s1 s2"), Alice);

        var result = await CreateStore().StoreAsync("u-1", Grant(access: "ya29.second"));

        result.Bundle.GoogleUser.Should().Be(Alice);
        result.Bundle.Scope.Should().Be("s1 s2");
    }

    [Fact]
    public async Task StoreAsync_KeepsUnknownKeysInTheirOrder()
    {
        Secrets.SetSecretString("gmail/user/u-1", """{"access_token":"a","refresh_token":"r","expires_at":"2026-01-01T00:00:00","z_extra":{"n":[1,2]},"a_extra":"x"}""");

        await CreateStore().StoreAsync("u-1", Grant(), Alice);

        var json = StoredJson("u-1");
        Keys(json).Should().EndWith(["z_extra", "a_extra"]);
        json.GetProperty("z_extra").GetRawText().Should().Be("""{"n":[1,2]}""");
    }

    [Fact]
    public async Task UpdateAsync_KeepsScopeGoogleUserAndUnknownKeys()
    {
        Secrets.SetSecretString("gmail/user/u-1", """{"access_token":"old","refresh_token":"1//rt","expires_at":"2026-01-01T00:00:00","expires_in":3599,"scope":"s1 s2","token_type":"Bearer","created_at":"2025-12-31T23:00:01","google_user_id":"111","google_email":"alice@example.com","google_name":"Alice","google_verified_email":true,"extra":42}""");

        var bundle = await CreateStore().UpdateAsync("u-1", Grant(access: "ya29.new", refresh: null, scope: "ignored"));

        bundle.AccessToken.Should().Be("ya29.new");
        bundle.RefreshToken.Should().Be("1//rt");
        bundle.Scope.Should().Be("s1 s2");
        bundle.GoogleUser.Should().Be(Alice);
        bundle.CreatedAt.Should().Be(Now.AddTicks(-(Now.Ticks % 10)));
        var json = StoredJson("u-1");
        json.GetProperty("extra").GetInt32().Should().Be(42);
        json.GetProperty("scope").GetString().Should().Be("s1 s2");
        json.GetProperty("google_email").GetString().Should().Be("alice@example.com");
    }

    [Fact]
    public async Task UpdateAsync_RotatedRefreshToken_ReplacesTheStoredOne()
    {
        await CreateStore().StoreAsync("u-1", Grant(), Alice);

        var bundle = await CreateStore().UpdateAsync("u-1", Grant(access: "ya29.new", refresh: "1//rotated"));

        bundle.RefreshToken.Should().Be("1//rotated");
        StoredJson("u-1").GetProperty("refresh_token").GetString().Should().Be("1//rotated");
    }

    [Fact]
    public async Task UpdateAsync_NoStoredTokens_ThrowsNotFoundAndCreatesNothing()
    {
        var act = () => CreateStore().UpdateAsync("u-1", Grant());

        var ex = (await act.Should().ThrowAsync<OAuthTokenNotFoundException>()).Which;
        ex.UserId.Should().Be("u-1");
        ex.SecretName.Should().Be("gmail/user/u-1");
        Secrets.Names.Should().BeEmpty();
        Calls["Create"].Should().Be(0);
    }

    [Fact]
    public async Task UpdateAsync_SecretDeletedBetweenReadAndWrite_ThrowsNotFoundAndCreatesNothing()
    {
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(), Alice);
        Secrets.Remove("gmail/user/u-1");

        await FluentActions.Awaiting(() => store.UpdateAsync("u-1", Grant(access: "ya29.new"))).Should().ThrowAsync<OAuthTokenNotFoundException>();

        Secrets.Names.Should().BeEmpty();
    }

    [Fact]
    public async Task UpdateAsync_RightAfterGetAsync_CostsTwoWritesAndNoRead()
    {
        await CreateStore().StoreAsync("u-1", Grant(), Alice);
        var store = CreateStore();
        await store.GetAsync("u-1");
        Calls.Reset();

        await store.UpdateAsync("u-1", Grant(access: "ya29.new"));

        Calls["Put"].Should().Be(1);
        Calls["UpdateStage"].Should().Be(1);
        Calls.Total.Should().Be(2, "the version just read is the base of the conditional write");
    }

    [Fact]
    public async Task UpdateAsync_RightAfterAWrite_ReadsAgain()
    {
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(), Alice);
        Secrets.SetSecretString("gmail/user/u-1", Secrets.GetSecretString("gmail/user/u-1")!.Replace("}", ",\"python_key\":1}", StringComparison.Ordinal));
        Calls.Reset();

        await store.UpdateAsync("u-1", Grant(access: "ya29.new"));

        Calls["Get"].Should().Be(1, "only a read is reused, so another process's write after ours is seen");
        StoredJson("u-1").GetProperty("python_key").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task UpdateAsync_AfterTheReuseWindow_ReadsAgain()
    {
        await CreateStore().StoreAsync("u-1", Grant(), Alice);
        var store = CreateStore();
        await store.GetAsync("u-1");
        Time.Advance(Options.BundleCacheDuration + TimeSpan.FromSeconds(1));
        Calls.Reset();

        await store.UpdateAsync("u-1", Grant(access: "ya29.new"));

        Calls["Get"].Should().Be(1);
        Calls["Put"].Should().Be(1);
    }

    [Fact]
    public async Task UpdateAsync_ReuseWindowZero_AlwaysReads()
    {
        Options.BundleCacheDuration = TimeSpan.Zero;
        await CreateStore().StoreAsync("u-1", Grant(), Alice);
        var store = CreateStore();
        await store.GetAsync("u-1");
        Calls.Reset();

        await store.UpdateAsync("u-1", Grant(access: "ya29.new"));

        Calls["Get"].Should().Be(1);
    }

    [Fact]
    public async Task DeleteAsync_RemovesTheSecretWithOneForcedDelete()
    {
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(), Alice);
        Calls.Reset();

        await store.DeleteAsync("u-1");

        Calls["Delete"].Should().Be(1);
        Calls.Total.Should().Be(1);
        Secrets.Names.Should().BeEmpty();
        (await store.GetAsync("u-1")).Should().BeNull();
        Logger.Collector.GetSnapshot().Should().Contain(r => r.Id.Id == 1005 && r.Level == LogLevel.Information);
    }

    [Fact]
    public async Task DeleteAsync_ServiceSaysNotFound_IsNotAnError()
    {
        // AWS answers 200 to a forced delete of a missing secret; an emulator or proxy may answer ResourceNotFound.
        var client = Substitute.For<ISecretsManagerClient>();
        client.DeleteSecretAsync(default!, default, default).ReturnsForAnyArgs(Task.FromException(Error(SecretsManagerErrorKind.NotFound)));

        await CreateStore(client).DeleteAsync("u-1");

        await client.Received(1).DeleteSecretAsync("gmail/user/u-1", true, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task DeleteAsync_OtherFailures_Surface()
    {
        var client = Substitute.For<ISecretsManagerClient>();
        client.DeleteSecretAsync(default!, default, default).ReturnsForAnyArgs(Task.FromException(Error(SecretsManagerErrorKind.AccessDenied)));

        (await FluentActions.Awaiting(() => CreateStore(client).DeleteAsync("u-1")).Should().ThrowAsync<SecretsManagerException>())
            .Which.Kind.Should().Be(SecretsManagerErrorKind.AccessDenied);
    }

    [Fact]
    public async Task DeleteAsync_SendsForceDeleteWithoutRecovery()
    {
        var client = Substitute.For<ISecretsManagerClient>();

        await CreateStore(client).DeleteAsync("u-1");

        await client.Received(1).DeleteSecretAsync("gmail/user/u-1", true, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task UpdateAsync_AfterDeleteAsync_ThrowsNotFound()
    {
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(), Alice);
        await store.DeleteAsync("u-1");

        await FluentActions.Awaiting(() => store.UpdateAsync("u-1", Grant())).Should().ThrowAsync<OAuthTokenNotFoundException>();
        Secrets.Names.Should().BeEmpty();
    }

    [Fact]
    public async Task StoreAsync_CreateLosesARace_RereadsAndMergesConditionallyOnTheWinnersVersion()
    {
        const string winner = """{"access_token":"ya29.winner","refresh_token":"1//winner-refresh","expires_at":"2026-11-25T06:00:00","google_user_id":"111","google_email":"alice@example.com","winner_key":7}""";
        var client = Substitute.For<ISecretsManagerClient>();
        client.GetSecretValueAsync(default!, default).ReturnsForAnyArgs(
            Task.FromException<SecretValue>(Error(SecretsManagerErrorKind.NotFound)),
            Task.FromResult(new SecretValue("gmail/user/u-1", null, "00000000-0000-0000-0000-00000000000a", winner, null)));
        client.CreateSecretAsync(default!, default!, default).ReturnsForAnyArgs(Task.FromException<SecretWriteResult>(Error(SecretsManagerErrorKind.AlreadyExists)));
        client.PutSecretValueAsync(default!, default!, default!, default(string)!, default).ReturnsForAnyArgs(new SecretWriteResult("gmail/user/u-1", null, null));

        var result = await CreateStore(client).StoreAsync("u-1", Grant(refresh: null), Alice);

        result.Created.Should().BeFalse();
        result.Bundle.RefreshToken.Should().Be("1//winner-refresh", "the concurrent creator's refresh token is merged, not erased");
        var put = client.ReceivedCalls().Single(c => c.GetMethodInfo().Name == nameof(ISecretsManagerClient.PutSecretValueAsync));
        ((string)put.GetArguments()[1]!).Should().Contain("\"winner_key\":7").And.Contain("1//winner-refresh");
        put.GetArguments()[3].Should().Be(PayPulse.OAuthSecrets.Internal.SecretsManagerOAuthTokenStore.PendingStage, "keeping the stored refresh token depends on what was read");
        await client.Received(1).UpdateSecretVersionStageAsync(
            "gmail/user/u-1", "AWSCURRENT", (string)put.GetArguments()[2]!, "00000000-0000-0000-0000-00000000000a", Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task StoreAsync_CreateAndPutKeepMissingEachOther_GivesUpAfterTheTimeout()
    {
        Options.RecreateAfterDeletionTimeout = TimeSpan.FromSeconds(2);
        var client = Substitute.For<ISecretsManagerClient>();
        client.GetSecretValueAsync(default!, default).ReturnsForAnyArgs(Task.FromException<SecretValue>(Error(SecretsManagerErrorKind.NotFound)));
        client.CreateSecretAsync(default!, default!, default).ReturnsForAnyArgs(Task.FromException<SecretWriteResult>(Error(SecretsManagerErrorKind.AlreadyExists)));
        client.PutSecretValueAsync(default!, default!, default!, default).ReturnsForAnyArgs(Task.FromException<SecretWriteResult>(Error(SecretsManagerErrorKind.NotFound)));

        var call = CreateStore(client).StoreAsync("u-1", Grant());
        var waited = await Time.RunUntilCompletedAsync(call);

        (await FluentActions.Awaiting(() => call).Should().ThrowAsync<SecretsManagerException>())
            .Which.Kind.Should().Be(SecretsManagerErrorKind.AlreadyExists);
        waited.Should().Be(TimeSpan.FromMilliseconds(1750), "it waits 0.25 + 0.5 + 1 s; the next 2 s wait would pass the 2 s limit");
        await client.ReceivedWithAnyArgs(5).CreateSecretAsync(default!, default!, default); // one lost race, re-read, then four tries
    }

    [Fact]
    public async Task StoreAsync_SecretGoneBetweenReadAndPut_CreatesIt()
    {
        var store = CreateStore();
        await store.StoreAsync("u-1", Grant(), Alice);
        await store.GetAsync("u-1");
        Secrets.Remove("gmail/user/u-1");
        Calls.Reset();

        var result = await store.StoreAsync("u-1", Grant(access: "ya29.again"), Alice);

        result.Created.Should().BeTrue();
        Calls["Get"].Should().Be(1, "a store always merges onto a fresh read");
        Calls["Put"].Should().Be(0);
        Calls["Create"].Should().Be(1);
        StoredJson("u-1").GetProperty("access_token").GetString().Should().Be("ya29.again");
    }

    [Fact]
    public async Task StoreAsync_NewSecret_UsesKmsKeyAndTags()
    {
        Options.KmsKeyId = "alias/paypulse";
        Options.SecretTags["team"] = "payments";
        var client = Substitute.For<ISecretsManagerClient>();
        client.GetSecretValueAsync(default!, default).ReturnsForAnyArgs(Task.FromException<SecretValue>(Error(SecretsManagerErrorKind.NotFound)));

        await CreateStore(client).StoreAsync("u-1", Grant());

        await client.Received(1).CreateSecretAsync(
            Arg.Is<NewSecret>(s => s.Name == "gmail/user/u-1" && s.KmsKeyId == "alias/paypulse" && s.Tags!["team"] == "payments"),
            Arg.Any<string>(),
            Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task StoreAsync_RightAfterAForceDelete_RetriesTheCreateUntilTheDeletionFinishes()
    {
        var client = Substitute.For<ISecretsManagerClient>();
        client.GetSecretValueAsync(default!, default).ReturnsForAnyArgs(Task.FromException<SecretValue>(Error(SecretsManagerErrorKind.NotFound)));
        client.CreateSecretAsync(default!, default!, default).ReturnsForAnyArgs(
            Task.FromException<SecretWriteResult>(Error(SecretsManagerErrorKind.ScheduledForDeletion)),
            Task.FromException<SecretWriteResult>(Error(SecretsManagerErrorKind.ScheduledForDeletion)),
            Task.FromResult(new SecretWriteResult("gmail/user/u-1", null, "v")));

        var call = CreateStore(client).StoreAsync("u-1", Grant());
        var waited = await Time.RunUntilCompletedAsync(call);

        (await call).Created.Should().BeTrue();
        waited.Should().Be(TimeSpan.FromMilliseconds(750), "two refusals, two waits: 0.25 s then 0.5 s");
        var tokens = client.ReceivedCalls()
            .Where(c => c.GetMethodInfo().Name == nameof(ISecretsManagerClient.CreateSecretAsync))
            .Select(c => c.GetArguments()[1]).ToList();
        tokens.Should().HaveCount(3).And.OnlyContain(t => Equals(t, tokens[0]));
    }

    [Fact]
    public async Task StoreAsync_StillScheduledForDeletionAfterTheTimeout_ThrowsTyped()
    {
        Options.RecreateAfterDeletionTimeout = TimeSpan.FromSeconds(2);
        var client = Substitute.For<ISecretsManagerClient>();
        client.GetSecretValueAsync(default!, default).ReturnsForAnyArgs(Task.FromException<SecretValue>(Error(SecretsManagerErrorKind.NotFound)));
        client.CreateSecretAsync(default!, default!, default).ReturnsForAnyArgs(Task.FromException<SecretWriteResult>(Error(SecretsManagerErrorKind.ScheduledForDeletion)));

        var call = CreateStore(client).StoreAsync("u-1", Grant());
        var waited = await Time.RunUntilCompletedAsync(call);

        var ex = (await FluentActions.Awaiting(() => call).Should().ThrowAsync<SecretsManagerException>()).Which;
        ex.Kind.Should().Be(SecretsManagerErrorKind.ScheduledForDeletion);
        waited.Should().Be(TimeSpan.FromMilliseconds(1750), "it never sleeps past the 2 s limit: the next wait would be 2 s");
    }

    [Fact]
    public async Task GetAsync_BinaryOnlySecret_ThrowsFormatException()
    {
        var client = Substitute.For<ISecretsManagerClient>();
        client.GetSecretValueAsync(default!, default).ReturnsForAnyArgs(new SecretValue("gmail/user/u-1", null, "v", null, [1, 2, 3]));

        var ex = (await FluentActions.Awaiting(() => CreateStore(client).GetAsync("u-1")).Should().ThrowAsync<OAuthSecretFormatException>()).Which;

        ex.Message.Should().Contain("binary").And.Contain("gmail/user/u-1");
    }

    [Fact]
    public async Task GetAsync_MalformedSecret_ThrowsFormatExceptionAndLosesNothing()
    {
        Secrets.SetSecretString("gmail/user/u-1", """{"access_token":"ya29.keep-me","expires_at":"soon"}""");
        var store = CreateStore();

        (await FluentActions.Awaiting(() => store.GetAsync("u-1")).Should().ThrowAsync<OAuthSecretFormatException>())
            .Which.Field.Should().Be("expires_at");
        await FluentActions.Awaiting(() => store.UpdateAsync("u-1", Grant())).Should().ThrowAsync<OAuthSecretFormatException>();
        await FluentActions.Awaiting(() => store.StoreAsync("u-1", Grant())).Should().ThrowAsync<OAuthSecretFormatException>();

        Secrets.GetSecretString("gmail/user/u-1").Should().Contain("ya29.keep-me", "a malformed secret is never overwritten");
    }

    [Fact]
    public async Task GetAsync_ScheduledForDeletion_ReturnsNull()
    {
        var client = Substitute.For<ISecretsManagerClient>();
        client.GetSecretValueAsync(default!, default).ReturnsForAnyArgs(Task.FromException<SecretValue>(Error(SecretsManagerErrorKind.ScheduledForDeletion)));

        (await CreateStore(client).GetAsync("u-1")).Should().BeNull();
    }

    [Theory]
    [InlineData(SecretsManagerErrorKind.Throttled)]
    [InlineData(SecretsManagerErrorKind.AccessDenied)]
    [InlineData(SecretsManagerErrorKind.Kms)]
    [InlineData(SecretsManagerErrorKind.Timeout)]
    public async Task ServiceFailures_SurfaceAsTheirTypedException(SecretsManagerErrorKind kind)
    {
        var client = Substitute.For<ISecretsManagerClient>();
        var error = Error(kind);
        client.GetSecretValueAsync(default!, default).ReturnsForAnyArgs(Task.FromException<SecretValue>(error));

        (await FluentActions.Awaiting(() => CreateStore(client).GetAsync("u-1")).Should().ThrowAsync<SecretsManagerException>())
            .Which.Should().BeSameAs(error);
        (await FluentActions.Awaiting(() => CreateStore(client).StoreAsync("u-2", Grant())).Should().ThrowAsync<SecretsManagerException>())
            .Which.Should().BeSameAs(error);
        await client.DidNotReceiveWithAnyArgs().PutSecretValueAsync(default!, default!, default!, default);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("../other")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("a..b")]
    [InlineData("with space")]
    [InlineData("tab\t")]
    [InlineData("new\nline")]
    [InlineData("ümlaut")]
    [InlineData("semi;colon")]
    [InlineData("user-AbC123")]
    [InlineData("*")]
    public async Task InvalidUserIds_ThrowArgumentExceptionBeforeAnyCall(string userId)
    {
        var client = Substitute.For<ISecretsManagerClient>();
        var store = CreateStore(client);

        await FluentActions.Awaiting(() => store.GetAsync(userId)).Should().ThrowAsync<ArgumentException>().Where(e => e.ParamName == "userId");
        await FluentActions.Awaiting(() => store.StoreAsync(userId, Grant())).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => store.UpdateAsync(userId, Grant())).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => store.DeleteAsync(userId)).Should().ThrowAsync<ArgumentException>();
        client.ReceivedCalls().Should().BeEmpty();
    }

    [Fact]
    public async Task UserIdLongerThan128_IsRejected()
    {
        await FluentActions.Awaiting(() => CreateStore().GetAsync(new string('a', 129))).Should().ThrowAsync<ArgumentException>();
        (await CreateStore().GetAsync(new string('a', 128))).Should().BeNull();
    }

    [Theory]
    [InlineData("u-1")]
    [InlineData("550e8400-e29b-41d4-a716-446655440000")]
    [InlineData("user_1+test=x.y@example.com")]
    [InlineData("user-AbC12")]
    [InlineData("user-AbC1234")]
    public async Task ValidUserIds_AddressOnlyTheirOwnSecret(string userId)
    {
        await CreateStore().StoreAsync(userId, Grant());

        Secrets.Names.Should().Equal("gmail/user/" + userId);
    }

    [Fact]
    public async Task SecretNamePrefix_IsConfigurable()
    {
        Options.SecretNamePrefix = "staging/gmail/";

        await CreateStore().StoreAsync("u-1", Grant());

        Secrets.Names.Should().Equal("staging/gmail/u-1");
    }

    [Theory]
    [InlineData("", "r", 60)]
    [InlineData(" ", "r", 60)]
    [InlineData("a", "", 60)]
    [InlineData("a", "r", 0)]
    [InlineData("a", "r", -5)]
    public async Task InvalidGrants_AreRejectedBeforeAnyCall(string access, string? refresh, int seconds)
    {
        var client = Substitute.For<ISecretsManagerClient>();

        await FluentActions.Awaiting(() => CreateStore(client).StoreAsync("u-1", new OAuthTokenGrant(access, refresh, TimeSpan.FromSeconds(seconds))))
            .Should().ThrowAsync<ArgumentException>().Where(e => e.ParamName == "grant");
        client.ReceivedCalls().Should().BeEmpty();
    }

    [Fact]
    public async Task NullArguments_AreRejected()
    {
        await FluentActions.Awaiting(() => CreateStore().StoreAsync("u-1", null!)).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => CreateStore().GetAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => CreateStore().StoreAsync("u-1", Grant(), new GoogleUserInfo("", "x@example.com")))
            .Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task Cancellation_BeforeTheCall_SendsNothing()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var store = CreateStore();

        await FluentActions.Awaiting(() => store.GetAsync("u-1", cts.Token)).Should().ThrowAsync<OperationCanceledException>();
        await FluentActions.Awaiting(() => store.StoreAsync("u-1", Grant(), Alice, cts.Token)).Should().ThrowAsync<OperationCanceledException>();
        await FluentActions.Awaiting(() => store.UpdateAsync("u-1", Grant(), cts.Token)).Should().ThrowAsync<OperationCanceledException>();
        await FluentActions.Awaiting(() => store.DeleteAsync("u-1", cts.Token)).Should().ThrowAsync<OperationCanceledException>();
        Secrets.Names.Should().BeEmpty();
        Calls.Total.Should().Be(0);
    }

    [Fact]
    public async Task UpdateAsync_CancelledDuringTheWrite_IsNeitherWrappedNorTakenForAMissingSecret()
    {
        const string stored = """{"access_token":"ya29.old","refresh_token":"1//r","expires_at":"2026-11-25T06:00:00"}""";
        var client = Substitute.For<ISecretsManagerClient>();
        client.GetSecretValueAsync(default!, default).ReturnsForAnyArgs(Task.FromResult(new SecretValue("gmail/user/u-1", null, "v1", stored, null)));
        client.PutSecretValueAsync(default!, default!, default!, default(string)!, default).ReturnsForAnyArgs(ci => Hang.UntilCancelledAsync<SecretWriteResult>(ci.ArgAt<CancellationToken>(4)));
        using var cts = new CancellationTokenSource();

        var call = CreateStore(client).UpdateAsync("u-1", Grant(), cts.Token);
        call.IsCompleted.Should().BeFalse("the write is in flight");
        await cts.CancelAsync();

        await FluentActions.Awaiting(() => call.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<OperationCanceledException>();
        await client.DidNotReceiveWithAnyArgs().CreateSecretAsync(default!, default!, default);
        await client.ReceivedWithAnyArgs(1).PutSecretValueAsync(default!, default!, default!, default(string)!, default);
        await client.DidNotReceiveWithAnyArgs().UpdateSecretVersionStageAsync(default!, default!, default!, default!, default);
    }

    [Fact]
    public async Task StoreAsync_CancelledWhileWaitingOutADeletion_StopsAtOnce()
    {
        var client = Substitute.For<ISecretsManagerClient>();
        client.GetSecretValueAsync(default!, default).ReturnsForAnyArgs(Task.FromException<SecretValue>(Error(SecretsManagerErrorKind.NotFound)));
        client.CreateSecretAsync(default!, default!, default).ReturnsForAnyArgs(Task.FromException<SecretWriteResult>(Error(SecretsManagerErrorKind.ScheduledForDeletion)));
        using var cts = new CancellationTokenSource();

        var call = CreateStore(client).StoreAsync("u-1", Grant(), cancellationToken: cts.Token);
        await Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(250));
        await cts.CancelAsync();

        await FluentActions.Awaiting(() => call.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<OperationCanceledException>();
        await client.ReceivedWithAnyArgs(1).CreateSecretAsync(default!, default!, default);
    }

    private static SecretsManagerException Error(SecretsManagerErrorKind kind) =>
        new($"simulated {kind}", kind, kind.ToString(), HttpStatusCode.BadRequest, "req-1");
}
