using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Tests.Consistency;

/// <summary>
/// The in-process store follows Secrets Manager's staging-label rules, so the token store's conditional writes behave
/// as against AWS: a version put under another label is not current; UpdateSecretVersionStage moves AWSCURRENT only
/// from the version that holds it; a plain put demotes the version that actually is current.
/// </summary>
public sealed class InProcessSecretStoreStagingTests
{
    private const string Name = "gmail/user/u-1";
    private const string V2 = "00000000-0000-0000-0000-000000000002";
    private const string V3 = "00000000-0000-0000-0000-000000000003";

    private readonly InProcessSecretStore _store = new();

    private ISecretsManagerClient Client => _store;

    [Fact]
    public async Task PutUnderAPrivateLabel_DoesNotChangeTheCurrentValue()
    {
        var v1 = await SeedAsync();

        await Client.PutSecretValueAsync(Name, "two", V2, "PRIVATE");

        var current = await Client.GetSecretValueAsync(Name);
        current.SecretString.Should().Be("one");
        current.VersionId.Should().Be(v1);
    }

    [Fact]
    public async Task StageMoveFromTheCurrentVersion_MakesTheNewVersionCurrent()
    {
        var v1 = await SeedAsync();
        await Client.PutSecretValueAsync(Name, "two", V2, "PRIVATE");

        await Client.UpdateSecretVersionStageAsync(Name, "AWSCURRENT", V2, v1);

        var current = await Client.GetSecretValueAsync(Name);
        current.SecretString.Should().Be("two");
        current.VersionId.Should().Be(V2);
    }

    [Fact]
    public async Task StageMoveFromAVersionThatNoLongerIsCurrent_FailsAndChangesNothing()
    {
        var v1 = await SeedAsync();
        await Client.PutSecretValueAsync(Name, "two", V2, "PRIVATE");
        _store.SetSecretString(Name, "python");

        var ex = (await FluentActions.Awaiting(() => Client.UpdateSecretVersionStageAsync(Name, "AWSCURRENT", V2, v1))
            .Should().ThrowAsync<SecretsManagerException>()).Which;

        ex.Kind.Should().Be(SecretsManagerErrorKind.InvalidParameter);
        ex.ErrorCode.Should().Be("InvalidParameterException");
        (await Client.GetSecretValueAsync(Name)).SecretString.Should().Be("python");
    }

    [Fact]
    public async Task PlainPutAfterAStageMove_DemotesTheVersionThatIsCurrent()
    {
        var v1 = await SeedAsync();
        await Client.PutSecretValueAsync(Name, "two", V2, "PRIVATE");
        await Client.UpdateSecretVersionStageAsync(Name, "AWSCURRENT", V2, v1);

        await Client.PutSecretValueAsync(Name, "three", V3);

        (await Client.GetSecretValueAsync(Name)).SecretString.Should().Be("three");
        await FluentActions.Awaiting(() => Client.UpdateSecretVersionStageAsync(Name, "AWSCURRENT", V2, V2))
            .Should().ThrowAsync<SecretsManagerException>("V2 is no longer current");
        await FluentActions.Awaiting(() => Client.UpdateSecretVersionStageAsync(Name, "AWSCURRENT", V2, v1))
            .Should().ThrowAsync<SecretsManagerException>("V1 never became current again");
    }

    [Fact]
    public async Task PutWithAUsedTokenAndOtherContent_FailsAsOnAws()
    {
        await SeedAsync();
        await Client.PutSecretValueAsync(Name, "two", V2, "PRIVATE");

        (await Client.PutSecretValueAsync(Name, "two", V2, "PRIVATE")).VersionId.Should().Be(V2, "the same token and value is a no-op");
        (await FluentActions.Awaiting(() => Client.PutSecretValueAsync(Name, "other", V2, "PRIVATE")).Should().ThrowAsync<SecretsManagerException>())
            .Which.Kind.Should().Be(SecretsManagerErrorKind.AlreadyExists);
    }

    [Fact]
    public async Task StageMoveOnAMissingSecretOrVersion_FailsTyped()
    {
        var v1 = await SeedAsync();

        (await FluentActions.Awaiting(() => Client.UpdateSecretVersionStageAsync("gmail/user/none", "AWSCURRENT", V2, v1)).Should().ThrowAsync<SecretsManagerException>())
            .Which.Kind.Should().Be(SecretsManagerErrorKind.NotFound);
        (await FluentActions.Awaiting(() => Client.UpdateSecretVersionStageAsync(Name, "AWSCURRENT", V3, v1)).Should().ThrowAsync<SecretsManagerException>())
            .Which.Kind.Should().Be(SecretsManagerErrorKind.InvalidParameter);
    }

    [Fact]
    public async Task ManyConditionalWrites_EachOneBecomesCurrentInTurn()
    {
        var current = await SeedAsync();
        for (var i = 0; i < 50; i++)
        {
            var next = SecretsManagerLimits.NewClientRequestToken();
            await Client.PutSecretValueAsync(Name, "value " + i, next, "PRIVATE");
            await Client.UpdateSecretVersionStageAsync(Name, "AWSCURRENT", next, current);
            (await Client.GetSecretValueAsync(Name)).VersionId.Should().Be(next);
            current = next;
        }

        (await Client.GetSecretValueAsync(Name)).SecretString.Should().Be("value 49");
    }

    private async Task<string> SeedAsync()
    {
        _store.SetSecretString(Name, "one");
        return (await Client.GetSecretValueAsync(Name)).VersionId!;
    }
}
