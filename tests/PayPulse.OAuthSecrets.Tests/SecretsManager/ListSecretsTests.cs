using System.Text.Json;
using Amazon;
using Amazon.Runtime;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Tests.SecretsManager;

public sealed class ListSecretsTests : IDisposable
{
    private readonly ScriptedHttpHandler _handler = new();

    public void Dispose() => _handler.Dispose();

    [Fact]
    public async Task ListSecrets_AsksForAFullPageOfNamesUnderThePrefix_WithTheTokenGiven()
    {
        _handler.Then(HttpStatusCode.OK, """{"SecretList":[],"NextToken":null}""");

        var page = await CreateClient().ListSecretsAsync("gmail/user/", "token-2");

        var request = _handler.Requests.Single();
        request.Target.Should().Be("secretsmanager.ListSecrets");
        var body = request.Json;
        body.GetProperty("MaxResults").GetInt32().Should().Be(100);
        body.GetProperty("NextToken").GetString().Should().Be("token-2");
        var filter = body.GetProperty("Filters").EnumerateArray().Single();
        filter.GetProperty("Key").GetString().Should().Be("name");
        filter.GetProperty("Values").EnumerateArray().Select(v => v.GetString()).Should().Equal("gmail/user/");
        body.TryGetProperty("IncludePlannedDeletion", out _).Should().BeFalse("secrets scheduled for deletion are not swept");
        page.Should().BeEquivalentTo(new SecretListPage([], null));
    }

    [Fact]
    public async Task ListSecrets_KeepsOnlyNamesThatStartWithThePrefixExactly_AndNotDeleted()
    {
        // The service's name filter is not case-sensitive, and matches words as well as the start.
        _handler.Then(HttpStatusCode.OK, JsonSerializer.Serialize(new
        {
            SecretList = new object[]
            {
                new { Name = "gmail/user/a", ARN = "arn:1" },
                new { Name = "GMAIL/USER/b", ARN = "arn:2" },
                new { Name = "other/gmail/user/c", ARN = "arn:3" },
                new { Name = "gmail/user/d", ARN = "arn:4", DeletedDate = 1798174194.3 },
                new { Name = "gmail/user/e", ARN = "arn:5" },
            },
            NextToken = "next",
        }));

        var page = await CreateClient().ListSecretsAsync("gmail/user/", null);

        page.Names.Should().Equal("gmail/user/a", "gmail/user/e");
        page.NextToken.Should().Be("next");
        _handler.Requests.Single().Json.TryGetProperty("NextToken", out _).Should().BeFalse();
    }

    [Theory]
    [InlineData("""{"SecretList":[{"Name":"gmail/user/a"}],"NextToken":""}""")]
    [InlineData("""{"SecretList":[{"Name":"gmail/user/a"}]}""")]
    public async Task ListSecrets_EmptyOrMissingNextToken_IsTheLastPage(string body)
    {
        _handler.Then(HttpStatusCode.OK, body);

        var page = await CreateClient().ListSecretsAsync("gmail/user/", "t");

        page.NextToken.Should().BeNull();
    }

    [Fact]
    public async Task ListSecrets_WithoutASecretList_IsUnreadable_AndRetried()
    {
        _handler.Then(HttpStatusCode.OK, """{"NextToken":"x"}""").Then(HttpStatusCode.OK, """{"SecretList":[{"Name":"gmail/user/a"}]}""");

        var page = await CreateClient().ListSecretsAsync("gmail/user/", null);

        page.Names.Should().Equal("gmail/user/a");
        _handler.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task ListSecrets_AccessDenied_IsTypedAndNotRetried()
    {
        _handler.Then(HttpStatusCode.BadRequest, """{"__type":"AccessDeniedException","Message":"not authorized to perform: secretsmanager:ListSecrets"}""");

        var failure = await FluentActions.Awaiting(() => CreateClient().ListSecretsAsync("gmail/user/", null))
            .Should().ThrowAsync<SecretsManagerException>();

        failure.Which.Kind.Should().Be(SecretsManagerErrorKind.AccessDenied);
        failure.Which.Message.Should().Contain("ListSecrets");
        _handler.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task InProcessStore_ListsEveryNameUnderThePrefixOnce_PageByPage()
    {
        ISecretsManagerClient store = new InProcessSecretStore();
        var expected = Enumerable.Range(0, 250).Select(i => $"gmail/user/u{i:D3}").ToList();
        foreach (var name in expected.Concat(["gmail/users/x", "Gmail/user/y", "Google-OAuth-Client-ID"]))
        {
            ((InProcessSecretStore)store).SetSecretString(name, "{}");
        }

        var names = new List<string>();
        var pages = 0;
        string? next = null;
        do
        {
            var page = await store.ListSecretsAsync("gmail/user/", next);
            page.Names.Count.Should().BeLessThanOrEqualTo(SecretListPage.MaxResults);
            names.AddRange(page.Names);
            next = page.NextToken;
            pages++;
        }
        while (next is not null);

        names.Should().BeEquivalentTo(expected).And.OnlyHaveUniqueItems();
        pages.Should().Be(3);
    }

    private SecretsManagerClient CreateClient() => new(
        new HttpClient(_handler, disposeHandler: false),
        new SecretsManagerEndpoint(new Uri("https://secretsmanager.us-east-1.amazonaws.com/"), RegionEndpoint.USEast1),
        new OAuthSecretsOptions { Region = "us-east-1", Credentials = new BasicAWSCredentials("AKIDEXAMPLE", "secret"), RetryBaseDelay = TimeSpan.Zero },
        new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 3, 0, 0, TimeSpan.Zero)),
        jitter: () => 0);
}
