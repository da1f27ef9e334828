using System.Text;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;
using PayPulse.OAuthSecrets.IntegrationTests.Support;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.IntegrationTests;

/// <summary>Every <see cref="SecretsManagerClient"/> operation, for real, against moto.</summary>
[Collection(MotoCollection.Name)]
public sealed class SecretsManagerClientIntegrationTests : IDisposable
{
    private readonly HttpClient _http;
    private readonly SecretsManagerClient _client;

    public SecretsManagerClientIntegrationTests(MotoFixture fixture)
    {
        _http = TestSecretsManagerClients.CreateHttpClient();
        _client = TestSecretsManagerClients.Create(_http, fixture.ServiceUrl, TestSecretsManagerClients.DummyCredentials);
    }

    [Fact]
    public async Task Operations_FullLifecycle_CreateGetPutDescribeDelete()
    {
        var name = SecretNames.Unique();

        var created = await _client.CreateSecretAsync(new NewSecret(name, "v1"), SecretsManagerLimits.NewClientRequestToken());
        created.Name.Should().Be(name);
        created.Arn.Should().StartWith("arn:aws:secretsmanager:us-east-1:").And.Contain(name);
        created.VersionId.Should().NotBeNullOrEmpty();

        var first = await _client.GetSecretValueAsync(name);
        first.Name.Should().Be(name);
        first.Arn.Should().Be(created.Arn);
        first.VersionId.Should().Be(created.VersionId);
        first.SecretString.Should().Be("v1");
        first.SecretBinary.Should().BeNull();

        var put = await _client.PutSecretValueAsync(name, "v2", SecretsManagerLimits.NewClientRequestToken());
        put.Name.Should().Be(name);
        put.Arn.Should().Be(created.Arn);
        put.VersionId.Should().NotBeNullOrEmpty().And.NotBe(created.VersionId);

        var second = await _client.GetSecretValueAsync(name);
        second.SecretString.Should().Be("v2");
        second.VersionId.Should().Be(put.VersionId);

        var description = await _client.DescribeSecretAsync(name);
        description.Name.Should().Be(name);
        description.Arn.Should().Be(created.Arn);
        description.CreatedDate.Should().NotBeNull();
        description.CreatedDate!.Value.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
        description.LastChangedDate.Should().NotBeNull();
        description.DeletedDate.Should().BeNull();
        description.IsScheduledForDeletion.Should().BeFalse();

        await _client.DeleteSecretAsync(name, forceDeleteWithoutRecovery: true);

        var read = async () => await _client.GetSecretValueAsync(name);
        var error = (await read.Should().ThrowAsync<SecretsManagerException>()).Which;
        error.Kind.Should().Be(SecretsManagerErrorKind.NotFound);
        error.ErrorCode.Should().Be("ResourceNotFoundException");
        error.IsTransient.Should().BeFalse();
    }

    [Fact]
    public async Task DescribeSecretAsync_MissingSecret_ThrowsNotFound()
    {
        var name = SecretNames.Unique();

        var describe = async () => await _client.DescribeSecretAsync(name);

        var error = (await describe.Should().ThrowAsync<SecretsManagerException>()).Which;
        error.Kind.Should().Be(SecretsManagerErrorKind.NotFound);
        error.ErrorCode.Should().Be("ResourceNotFoundException");
        error.StatusCode.Should().NotBeNull();
        error.Message.Should().Contain("DescribeSecret").And.Contain(name);
    }

    [Fact]
    public async Task GetSecretValueAsync_MissingSecret_ThrowsNotFound()
    {
        var read = async () => await _client.GetSecretValueAsync(SecretNames.Unique());

        (await read.Should().ThrowAsync<SecretsManagerException>())
            .Which.Kind.Should().Be(SecretsManagerErrorKind.NotFound);
    }

    [Fact]
    public async Task CreateSecretAsync_ExistingName_ThrowsAlreadyExists()
    {
        var name = SecretNames.Unique();
        await _client.CreateSecretAsync(new NewSecret(name, "original"), SecretsManagerLimits.NewClientRequestToken());

        var createAgain = async () =>
            await _client.CreateSecretAsync(new NewSecret(name, "other"), SecretsManagerLimits.NewClientRequestToken());

        var error = (await createAgain.Should().ThrowAsync<SecretsManagerException>()).Which;
        error.Kind.Should().Be(SecretsManagerErrorKind.AlreadyExists);
        error.ErrorCode.Should().Be("ResourceExistsException");
        error.IsTransient.Should().BeFalse();
        (await _client.GetSecretValueAsync(name)).SecretString.Should().Be("original");
    }

    [Fact]
    public async Task CreateSecretAsync_SameTokenAndValueTwice_IsIdempotent()
    {
        var name = SecretNames.Unique();
        var token = SecretsManagerLimits.NewClientRequestToken();

        var first = await _client.CreateSecretAsync(new NewSecret(name, "v1"), token);
        var second = await _client.CreateSecretAsync(new NewSecret(name, "v1"), token);

        second.Arn.Should().Be(first.Arn);
        (await _client.GetSecretValueAsync(name)).VersionId.Should().Be(first.VersionId);
    }

    [Fact]
    public async Task PutSecretValueAsync_SameTokenAndSameValue_ReturnsSameVersion()
    {
        var name = SecretNames.Unique();
        await _client.CreateSecretAsync(new NewSecret(name, "v1"), SecretsManagerLimits.NewClientRequestToken());
        var token = SecretsManagerLimits.NewClientRequestToken();

        var first = await _client.PutSecretValueAsync(name, "v2", token);
        var second = await _client.PutSecretValueAsync(name, "v2", token);

        first.VersionId.Should().Be(token, "the ClientRequestToken becomes the version id");
        second.VersionId.Should().Be(first.VersionId);
        var current = await _client.GetSecretValueAsync(name);
        current.VersionId.Should().Be(first.VersionId);
        current.SecretString.Should().Be("v2");
    }

    [Fact]
    public async Task PutSecretValueAsync_SameTokenDifferentValue_ThrowsAlreadyExists()
    {
        var name = SecretNames.Unique();
        await _client.CreateSecretAsync(new NewSecret(name, "v1"), SecretsManagerLimits.NewClientRequestToken());
        var token = SecretsManagerLimits.NewClientRequestToken();
        var first = await _client.PutSecretValueAsync(name, "v2", token);

        var conflicting = async () => await _client.PutSecretValueAsync(name, "v3", token);

        var error = (await conflicting.Should().ThrowAsync<SecretsManagerException>()).Which;
        error.Kind.Should().Be(SecretsManagerErrorKind.AlreadyExists);
        error.ErrorCode.Should().Be("ResourceExistsException");
        var current = await _client.GetSecretValueAsync(name);
        current.SecretString.Should().Be("v2");
        current.VersionId.Should().Be(first.VersionId);
    }

    [Fact]
    public async Task PutSecretValueAsync_MissingSecret_ThrowsNotFound()
    {
        var put = async () =>
            await _client.PutSecretValueAsync(SecretNames.Unique(), "value", SecretsManagerLimits.NewClientRequestToken());

        (await put.Should().ThrowAsync<SecretsManagerException>())
            .Which.Kind.Should().Be(SecretsManagerErrorKind.NotFound);
    }

    [Fact]
    public async Task DeleteSecretAsync_MissingSecret_Succeeds()
    {
        var name = SecretNames.Unique();

        var delete = async () => await _client.DeleteSecretAsync(name);

        await delete.Should().NotThrowAsync();
    }

    [Fact]
    public async Task DeleteSecretAsync_Twice_Succeeds()
    {
        var name = SecretNames.Unique();
        await _client.CreateSecretAsync(new NewSecret(name, "v1"), SecretsManagerLimits.NewClientRequestToken());
        await _client.DeleteSecretAsync(name);

        var deleteAgain = async () => await _client.DeleteSecretAsync(name);

        await deleteAgain.Should().NotThrowAsync();
    }

    [Fact]
    public async Task CreateSecretAsync_AfterForceDelete_RecreatesTheSecret()
    {
        var name = SecretNames.Unique();
        await _client.CreateSecretAsync(new NewSecret(name, "v1"), SecretsManagerLimits.NewClientRequestToken());
        await _client.DeleteSecretAsync(name);

        await _client.CreateSecretAsync(new NewSecret(name, "v2"), SecretsManagerLimits.NewClientRequestToken());

        (await _client.GetSecretValueAsync(name)).SecretString.Should().Be("v2");
    }

    [Fact]
    public async Task GetSecretValueAsync_64KiBValue_RoundTripsByteExact()
    {
        var name = SecretNames.Unique();
        var value = LargeValue(SecretsManagerLimits.MaxSecretStringBytes);
        Encoding.UTF8.GetByteCount(value).Should().Be(64 * 1024);

        await _client.CreateSecretAsync(new NewSecret(name, value), SecretsManagerLimits.NewClientRequestToken());
        var created = await _client.GetSecretValueAsync(name);

        Encoding.UTF8.GetBytes(created.SecretString!).Should().Equal(Encoding.UTF8.GetBytes(value));

        var updated = value[1..] + "!";
        await _client.PutSecretValueAsync(name, updated, SecretsManagerLimits.NewClientRequestToken());
        var read = await _client.GetSecretValueAsync(name);

        Encoding.UTF8.GetBytes(read.SecretString!).Should().Equal(Encoding.UTF8.GetBytes(updated));
    }

    [Fact]
    public async Task GetSecretValueAsync_NonAsciiAndJsonSpecialCharacters_RoundTrip()
    {
        var name = SecretNames.Unique();
        const string value =
            "{\"access_token\":\"ya29.a0-_~+/=\",\"note\":\"quote \\\" backslash \\\\\"}\n"
            + "\"quotes\" 'single' \\ backslash \\\\ double / slash \r\n\t tab \b \f \u0001 \u001f \u007f "
            + "ümlaut ß é ñ 日本語 中文 한국어 Ελληνικά русский עברית العربية "
            + "😀 🎉 👩‍💻 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u2028 \u2029 \ufeff \u00a0 "
            + "<script>alert('x')</script> &amp; %20 ${x} {{y}} \u0000 end";

        await _client.CreateSecretAsync(new NewSecret(name, value), SecretsManagerLimits.NewClientRequestToken());
        var created = await _client.GetSecretValueAsync(name);
        created.SecretString.Should().Be(value);

        var updated = "Ünïcødé ✓ \"put\" \\ " + value;
        await _client.PutSecretValueAsync(name, updated, SecretsManagerLimits.NewClientRequestToken());
        var read = await _client.GetSecretValueAsync(name);

        Encoding.UTF8.GetBytes(read.SecretString!).Should().Equal(Encoding.UTF8.GetBytes(updated));
    }

    [Fact]
    public async Task CreateSecretAsync_WithDescriptionAndTags_IsAccepted()
    {
        var name = SecretNames.Unique();
        var secret = new NewSecret(name, "tagged")
        {
            Description = "integration test",
            Tags = new Dictionary<string, string>(StringComparer.Ordinal) { ["app"] = "paypulse", ["test"] = "ü" },
        };

        var created = await _client.CreateSecretAsync(secret, SecretsManagerLimits.NewClientRequestToken());

        created.Name.Should().Be(name);
        (await _client.GetSecretValueAsync(name)).SecretString.Should().Be("tagged");
        (await _client.DescribeSecretAsync(name)).Name.Should().Be(name);
    }

    [Fact]
    public async Task GetSecretValueAsync_ByArn_ReadsTheSecret()
    {
        var name = SecretNames.Unique();
        var created = await _client.CreateSecretAsync(new NewSecret(name, "by-arn"), SecretsManagerLimits.NewClientRequestToken());

        var read = await _client.GetSecretValueAsync(created.Arn!);

        read.Name.Should().Be(name);
        read.SecretString.Should().Be("by-arn");
    }

    // 250 secrets under one prefix take three pages of at most 100. Around them: names that share the prefix's start
    // but not the prefix (a sibling folder, the prefix without its slash, the client-id secret next to the users, the
    // prefix in another case, which AWS's case-insensitive filter would return and the ordinal check drops), and one
    // force-deleted user secret.
    [Fact]
    public async Task ListSecretsAsync_MoreThanAPageUnderAPrefix_ListsEveryNameOnceAndNoneOutside()
    {
        var root = "it-list-" + Guid.NewGuid().ToString("N");
        var prefix = root + "/user/";
        var inside = Enumerable.Range(0, 250).Select(i => $"{prefix}u{i:D3}").ToArray();
        string[] outside = [root + "/user-other/u000", root + "/user", root + "/google-client-id", root.ToUpperInvariant() + "/USER/u000", prefix.ToUpperInvariant() + "u001"];
        var deleted = prefix + "deleted";
        await Parallel.ForEachAsync(
            inside.Concat(outside).Append(deleted),
            new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (name, ct) => await _client.CreateSecretAsync(new NewSecret(name, "{}"), SecretsManagerLimits.NewClientRequestToken(), ct));
        await _client.DeleteSecretAsync(deleted, forceDeleteWithoutRecovery: true);

        var listed = new List<string>();
        var pages = 0;
        string? next = null;
        do
        {
            var page = await _client.ListSecretsAsync(prefix, next);
            page.Names.Count.Should().BeLessThanOrEqualTo(SecretListPage.MaxResults);
            listed.AddRange(page.Names);
            pages++;
            next = page.NextToken;
        }
        while (next is not null && pages < 10);

        next.Should().BeNull("the listing ends");
        pages.Should().BeGreaterThanOrEqualTo(3, "250 names do not fit in two pages of 100");
        listed.Should().OnlyHaveUniqueItems();
        listed.Should().BeEquivalentTo(inside, "every name under the prefix, and nothing else, is listed");
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Exactly <paramref name="bytes"/> bytes of UTF-8 mixing one- to four-byte characters and JSON escapes.</summary>
    private static string LargeValue(int bytes)
    {
        string[] pieces = ["a", "\"", "\\", "\n", "é", "€", "😀", "Z", "/", "\t", "<", "0"];
        var builder = new StringBuilder(bytes);
        var used = 0;
        for (var i = 0; ; i++)
        {
            var piece = pieces[(i * 7) % pieces.Length];
            var size = Encoding.UTF8.GetByteCount(piece);
            if (used + size > bytes)
            {
                break;
            }

            builder.Append(piece);
            used += size;
        }

        builder.Append('x', bytes - used);
        return builder.ToString();
    }
}
