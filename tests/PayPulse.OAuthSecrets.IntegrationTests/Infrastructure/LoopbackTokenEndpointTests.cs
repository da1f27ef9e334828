using System.Net;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

public sealed class LoopbackTokenEndpointTests : IAsyncLifetime
{
    private readonly HttpClient _http = RawAwsJsonRequest.CreateClient();
    private LoopbackTokenEndpoint? _endpoint;

    private LoopbackTokenEndpoint Endpoint => _endpoint!;

    public Task InitializeAsync()
    {
        _endpoint = LoopbackTokenEndpoint.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_endpoint is not null)
        {
            await _endpoint.DisposeAsync();
        }

        _http.Dispose();
    }

    [Fact]
    public async Task Post_FormBody_IsRecordedAndAnsweredInScriptOrderThenByDefault()
    {
        Endpoint.TokenUri.Host.Should().Be("127.0.0.1");
        Endpoint.Then(GoogleTokenResponses.Success("ya29.first", refreshToken: "1//rotated"))
            .Then(GoogleTokenResponses.InvalidGrant());

        var first = await PostAsync(Endpoint.TokenUri, "1//a+b/c");
        var second = await PostAsync(Endpoint.TokenUri, "1//second");
        var third = await PostAsync(Endpoint.TokenUri, "1//third");

        first.Should().Be((HttpStatusCode.OK,
            """{"access_token":"ya29.first","expires_in":3599,"scope":"https://www.googleapis.com/auth/gmail.readonly","token_type":"Bearer","refresh_token":"1//rotated"}"""));
        second.Should().Be((HttpStatusCode.BadRequest, """{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"""));
        third.Status.Should().Be(HttpStatusCode.BadRequest);
        third.Body.Should().Contain("invalid_request");
        var request = Endpoint.Requests.Should().HaveCount(3).And.Subject.First();
        request.Method.Should().Be("POST");
        request.Path.Should().Be("/token");
        request.Header("content-type").Should().StartWith("application/x-www-form-urlencoded");
        request.Form.Should().Equal(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = "client.apps.googleusercontent.com",
            ["refresh_token"] = "1//a+b/c",
        });
    }

    [Fact]
    public async Task Request_OtherPathOrMethod_IsRejectedWithoutUsingTheScript()
    {
        Endpoint.Then(GoogleTokenResponses.Success("ya29.kept"));

        using (var wrongPath = await _http.PostAsync(new Uri(Endpoint.TokenUri, "/other"), new FormUrlEncodedContent([])))
        {
            wrongPath.StatusCode.Should().Be(HttpStatusCode.NotFound);
        }

        using (var wrongMethod = await _http.GetAsync(Endpoint.TokenUri))
        {
            wrongMethod.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        }

        (await PostAsync(Endpoint.TokenUri, "1//r")).Body.Should().Contain("ya29.kept");
    }

    [Fact]
    public async Task DisposeAsync_WhileARequestIsHeld_AnswersItServiceUnavailableThenRefusesConnections()
    {
        var neverReleased = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Endpoint.Then(LoopbackResponders.Held(neverReleased, GoogleTokenResponses.Success("ya29.never")));
        var held = PostAsync(Endpoint.TokenUri, "1//held");
        await Endpoint.WaitForRequestsAsync(1);

        await Endpoint.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        (await held.WaitAsync(TimeSpan.FromSeconds(10))).Should().Be((HttpStatusCode.ServiceUnavailable, """{"error":"loopback_server_stopping"}"""));
        await FluentActions.Awaiting(() => PostAsync(Endpoint.TokenUri, "1//after")).Should().ThrowAsync<HttpRequestException>();
    }

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(Uri uri, string refreshToken)
    {
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = "client.apps.googleusercontent.com",
            ["refresh_token"] = refreshToken,
        });
        using var response = await _http.PostAsync(uri, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
