using System.Net;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

[Collection(MotoCollection.Name)]
public sealed class MotoFixtureTests(MotoFixture fixture) : IDisposable
{
    private readonly HttpClient _http = RawAwsJsonRequest.CreateClient();

    [Fact]
    public async Task Plain_fixture_does_not_check_signatures()
    {
        var name = SecretNames.Unique();

        using (var created = await RawAwsJsonRequest.PostAsync(_http, fixture.ServiceUrl, "secretsmanager.CreateSecret", $$"""{"Name":"{{name}}","SecretString":"v1"}"""))
        {
            created.StatusCode.Should().Be(HttpStatusCode.OK, await created.Content.ReadAsStringAsync());
        }

        using var read = await RawAwsJsonRequest.PostAsync(_http, fixture.ServiceUrl, "secretsmanager.GetSecretValue", $$"""{"SecretId":"{{name}}"}""");
        var body = await read.Content.ReadAsStringAsync();
        read.StatusCode.Should().Be(HttpStatusCode.OK, body);
        body.Should().Contain("\"SecretString\": \"v1\"");
        fixture.Region.Should().Be("us-east-1");
    }

    public void Dispose() => _http.Dispose();
}
