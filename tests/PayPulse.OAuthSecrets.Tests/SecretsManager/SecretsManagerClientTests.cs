using Amazon;
using Amazon.Runtime;
using Microsoft.Extensions.Logging.Testing;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Tests.SecretsManager;

public sealed class SecretsManagerClientTests : IDisposable
{
    private static readonly Uri Endpoint = new("https://secretsmanager.us-east-1.amazonaws.com/");
    private const string SecretValueJson = """{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:gmail/user/u-1-AbCdEf","Name":"gmail/user/u-1","VersionId":"v1","SecretString":"{\"a\":1}","VersionStages":["AWSCURRENT"],"CreatedDate":1798174194.358783}""";

    private readonly ScriptedHttpHandler _handler = new();
    private readonly ObservedTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly FakeLogger<SecretsManagerClient> _logger = new();
    private readonly OAuthSecretsOptions _options = new()
    {
        Region = "us-east-1",
        Credentials = new SessionAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token-example"),
    };

    private double _jitter;

    public void Dispose() => _handler.Dispose();

    [Fact]
    public async Task GetSecretValueAsync_SignsLikeBotocore_ForAFixedRequestDateAndCredentials()
    {
        // Expected values computed once with botocore's SigV4Auth over the same request, time and credentials.
        _handler.Then(HttpStatusCode.OK, SecretValueJson);

        await CreateClient().GetSecretValueAsync("gmail/user/u-123");

        var request = _handler.Requests.Single();
        request.Body.Should().Be("""{"SecretId":"gmail/user/u-123"}""");
        request.Header("X-Amz-Date").Should().Be("20260102T030405Z");
        request.Header("X-Amz-Content-SHA256").Should().Be("6e062b5391158a35413bda29002031002757a9d85a5ce1ec2ec9d66a3f7ae990");
        request.Header("X-Amz-Security-Token").Should().Be("session-token-example");
        request.Header("Authorization").Should().Be(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260102/us-east-1/secretsmanager/aws4_request, " +
            "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-target, " +
            "Signature=4c77dc1c648868319cf675af8b50efbe9af713d61690d86b9bb6665b0ec7a6a0");
    }

    [Fact]
    public async Task GetSecretValueAsync_SendsAwsJson11Request()
    {
        _handler.Then(HttpStatusCode.OK, SecretValueJson);

        var value = await CreateClient().GetSecretValueAsync("gmail/user/u-1");

        var request = _handler.Requests.Single();
        request.Method.Should().Be(HttpMethod.Post);
        request.Uri.Should().Be(Endpoint);
        request.ContentType.Should().Be("application/x-amz-json-1.1");
        request.Target.Should().Be("secretsmanager.GetSecretValue");
        request.Header("User-Agent").Should().StartWith("lib/PayPulse.OAuthSecrets#");
        value.Should().Be(new SecretValue(
            "gmail/user/u-1", "arn:aws:secretsmanager:us-east-1:123456789012:secret:gmail/user/u-1-AbCdEf", "v1", "{\"a\":1}", null));
    }

    [Fact]
    public async Task GetSecretValueAsync_BinarySecret_ReturnsBytes()
    {
        _handler.Then(HttpStatusCode.OK, """{"Name":"n","SecretBinary":"AQID"}""");

        var value = await CreateClient().GetSecretValueAsync("n");

        value.SecretString.Should().BeNull();
        value.SecretBinary.Should().Equal(1, 2, 3);
    }

    [Fact]
    public void SecretValue_ToString_DoesNotPrintTheValue()
    {
        var value = new SecretValue("gmail/user/u-1", null, "v1", "ya29.secret-access-token", [1, 2]);

        value.ToString().Should().NotContain("ya29").And.Contain("gmail/user/u-1").And.Contain("***");
        new NewSecret("n", "ya29.secret-access-token").ToString().Should().NotContain("ya29");
    }

    [Fact]
    public async Task CreateSecretAsync_SendsNameValueTokenKmsKeyAndTags()
    {
        _handler.Then(HttpStatusCode.OK, """{"ARN":"arn:x","Name":"gmail/user/u-1","VersionId":"0a4f7fd5-3d7b-4ab4-8e1e-1b0b7e3a9f00"}""");
        var token = SecretsManagerLimits.NewClientRequestToken();

        var result = await CreateClient().CreateSecretAsync(
            new NewSecret("gmail/user/u-1", "{}") { KmsKeyId = "alias/tokens", Tags = new Dictionary<string, string> { ["app"] = "paypulse" } },
            token);

        var json = _handler.Requests.Single().Json;
        _handler.Requests.Single().Target.Should().Be("secretsmanager.CreateSecret");
        json.GetProperty("Name").GetString().Should().Be("gmail/user/u-1");
        json.GetProperty("SecretString").GetString().Should().Be("{}");
        json.GetProperty("ClientRequestToken").GetString().Should().Be(token);
        json.GetProperty("KmsKeyId").GetString().Should().Be("alias/tokens");
        json.GetProperty("Tags")[0].GetProperty("Key").GetString().Should().Be("app");
        json.GetProperty("Tags")[0].GetProperty("Value").GetString().Should().Be("paypulse");
        json.TryGetProperty("Description", out _).Should().BeFalse("absent members are omitted");
        result.VersionId.Should().Be("0a4f7fd5-3d7b-4ab4-8e1e-1b0b7e3a9f00");
    }

    [Fact]
    public async Task DeleteSecretAsync_ForcesDeletionWithoutRecovery()
    {
        _handler.Then(HttpStatusCode.OK, """{"ARN":"arn:x","Name":"n","DeletionDate":1798174194.5}""");

        await CreateClient().DeleteSecretAsync("gmail/user/u-1");

        var request = _handler.Requests.Single();
        request.Target.Should().Be("secretsmanager.DeleteSecret");
        request.Body.Should().Be("""{"SecretId":"gmail/user/u-1","ForceDeleteWithoutRecovery":true}""");
    }

    [Fact]
    public async Task DescribeSecretAsync_ReadsEpochSecondsAndDeletedDate()
    {
        _handler.Then(HttpStatusCode.OK, """{"ARN":"arn:x","Name":"n","CreatedDate":1767323045.25,"DeletedDate":1767323046,"LastChangedDate":null}""");

        var description = await CreateClient().DescribeSecretAsync("n");

        description.CreatedDate.Should().Be(new DateTimeOffset(2026, 1, 2, 3, 4, 5, 250, TimeSpan.Zero));
        description.DeletedDate.Should().Be(new DateTimeOffset(2026, 1, 2, 3, 4, 6, TimeSpan.Zero));
        description.LastChangedDate.Should().BeNull();
        description.IsScheduledForDeletion.Should().BeTrue();
    }

    [Fact]
    public async Task GetSecretValueAsync_ThrottledThenSuccess_RetriesAndSignsEachAttemptAfresh()
    {
        _handler
            .Then((_, _) =>
            {
                _time.Advance(TimeSpan.FromSeconds(2));
                return Task.FromResult(ScriptedHttpHandler.Response(
                    HttpStatusCode.BadRequest, """{"__type":"ThrottlingException","message":"Rate exceeded"}"""));
            })
            .Then(HttpStatusCode.OK, SecretValueJson);

        var value = await CreateClient().GetSecretValueAsync("gmail/user/u-1");

        value.SecretString.Should().Be("{\"a\":1}");
        _handler.Requests.Should().HaveCount(2);
        _handler.Requests[0].Header("X-Amz-Date").Should().Be("20260102T030405Z");
        _handler.Requests[1].Header("X-Amz-Date").Should().Be("20260102T030407Z");
        _handler.Requests[1].Header("Authorization").Should().NotBe(_handler.Requests[0].Header("Authorization"));
        _logger.Collector.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 1100);
    }

    [Fact]
    public async Task GetSecretValueAsync_ServiceUnavailableEveryTime_StopsAfterMaxAttempts()
    {
        _handler.Always(HttpStatusCode.ServiceUnavailable, string.Empty, ("x-amzn-RequestId", "req-503"));

        var act = () => CreateClient().GetSecretValueAsync("gmail/user/u-1");

        var ex = (await act.Should().ThrowAsync<SecretsManagerException>()).Which;
        ex.Kind.Should().Be(SecretsManagerErrorKind.ServiceUnavailable);
        ex.IsTransient.Should().BeTrue();
        ex.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        ex.RequestId.Should().Be("req-503");
        _handler.Requests.Should().HaveCount(3);
    }

    [Fact]
    public async Task GetSecretValueAsync_MaxAttemptsOne_DoesNotRetry()
    {
        _options.MaxAttempts = 1;
        _handler.Always(HttpStatusCode.InternalServerError, """{"__type":"InternalServiceError"}""");

        await FluentActions.Awaiting(() => CreateClient().GetSecretValueAsync("n"))
            .Should().ThrowAsync<SecretsManagerException>();

        _handler.Requests.Should().ContainSingle();
    }

    [Theory]
    [InlineData("PutSecretValue")]
    [InlineData("CreateSecret")]
    public async Task Writes_RetriedAfterTransientFailures_ReuseTheSameClientRequestToken(string operation)
    {
        _handler
            .Then(HttpStatusCode.InternalServerError, """{"__type":"InternalServiceError","message":"boom"}""")
            .Then(HttpStatusCode.BadRequest, """{"__type":"ThrottlingException"}""")
            .Then(HttpStatusCode.OK, """{"ARN":"arn:x","Name":"n","VersionId":"v"}""");
        var token = SecretsManagerLimits.NewClientRequestToken();
        var client = CreateClient();

        _ = operation == "PutSecretValue"
            ? await client.PutSecretValueAsync("gmail/user/u-1", "{}", token)
            : await client.CreateSecretAsync(new NewSecret("gmail/user/u-1", "{}"), token);

        _handler.Requests.Should().HaveCount(3);
        _handler.Requests.Select(r => r.Json.GetProperty("ClientRequestToken").GetString())
            .Should().AllBe(token);
    }

    [Theory]
    [InlineData("AccessDeniedException", SecretsManagerErrorKind.AccessDenied)]
    [InlineData("LimitExceededException", SecretsManagerErrorKind.QuotaExceeded)]
    [InlineData("ResourceNotFoundException", SecretsManagerErrorKind.NotFound)]
    [InlineData("InvalidParameterException", SecretsManagerErrorKind.InvalidParameter)]
    [InlineData("DecryptionFailure", SecretsManagerErrorKind.Kms)]
    [InlineData("UnrecognizedClientException", SecretsManagerErrorKind.Authentication)]
    public async Task NonTransientErrors_AreNotRetried(string code, SecretsManagerErrorKind kind)
    {
        _handler.Always(HttpStatusCode.BadRequest, $$"""{"__type":"{{code}}","message":"no"}""");

        var ex = (await FluentActions.Awaiting(() => CreateClient().GetSecretValueAsync("n"))
            .Should().ThrowAsync<SecretsManagerException>()).Which;

        ex.Kind.Should().Be(kind);
        ex.ErrorCode.Should().Be(code);
        ex.IsTransient.Should().BeFalse();
        _handler.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task ConnectionFailures_AreRetried_ThenReportedAsNetwork()
    {
        _handler.ThenThrow(new HttpRequestException("Connection refused"))
            .ThenThrow(new HttpRequestException("Connection refused"))
            .ThenThrow(new HttpRequestException("Connection refused"));

        var ex = (await FluentActions.Awaiting(() => CreateClient().GetSecretValueAsync("n"))
            .Should().ThrowAsync<SecretsManagerException>()).Which;

        ex.Kind.Should().Be(SecretsManagerErrorKind.Network);
        ex.IsTransient.Should().BeTrue();
        ex.InnerException.Should().BeOfType<HttpRequestException>();
        _handler.Requests.Should().HaveCount(3);
    }

    [Fact]
    public async Task ConnectionFailureThenSuccess_Succeeds()
    {
        _handler.ThenThrow(new HttpRequestException("reset")).Then(HttpStatusCode.OK, SecretValueJson);

        var value = await CreateClient().GetSecretValueAsync("n");

        value.VersionId.Should().Be("v1");
    }

    [Fact]
    public async Task AttemptTimeout_IsTransient_AndEachAttemptGetsItsOwnTimeout()
    {
        _options.MaxAttempts = 2;
        _handler.ThenHang().ThenHang();

        var call = CreateClient().GetSecretValueAsync("n");
        await _handler.WaitForRequestsAsync(1);
        _time.Advance(_options.AttemptTimeout);
        await _handler.WaitForRequestsAsync(2);
        _time.Advance(_options.AttemptTimeout);

        var ex = (await FluentActions.Awaiting(() => call).Should().ThrowAsync<SecretsManagerException>()).Which;
        ex.Kind.Should().Be(SecretsManagerErrorKind.Timeout);
        ex.IsTransient.Should().BeTrue();
        ex.StatusCode.Should().BeNull();
        _handler.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task CallerCancellation_DuringARequest_IsNotRetriedNorWrapped()
    {
        _handler.ThenHang();
        using var cts = new CancellationTokenSource();

        var call = CreateClient().GetSecretValueAsync("n", cts.Token);
        await _handler.WaitForRequestsAsync(1);
        await cts.CancelAsync();

        await FluentActions.Awaiting(() => call).Should().ThrowAsync<OperationCanceledException>();
        _handler.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task CallerCancellation_BeforeTheCall_SendsNothing()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await FluentActions.Awaiting(() => CreateClient().GetSecretValueAsync("n", cts.Token)).Should().ThrowAsync<OperationCanceledException>();
        _handler.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task CallerCancellation_DuringBackoff_StopsAtOnce()
    {
        _jitter = 1;
        _options.RetryBaseDelay = TimeSpan.FromSeconds(10);
        _options.AttemptTimeout = TimeSpan.FromSeconds(7); // a timer of its own length, told apart from the 10 s backoff
        _handler.Always(HttpStatusCode.ServiceUnavailable, "{}");
        using var cts = new CancellationTokenSource();

        var call = CreateClient().GetSecretValueAsync("n", cts.Token);
        await _time.WaitForTimerAsync(TimeSpan.FromSeconds(10));
        call.IsCompleted.Should().BeFalse("the client is waiting 10 s of fake time before the retry");
        await cts.CancelAsync();

        await FluentActions.Awaiting(() => call).Should().ThrowAsync<OperationCanceledException>();
        _handler.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task Backoff_WaitsTheJitteredDelayBeforeRetrying()
    {
        _jitter = 0.5;
        _options.RetryBaseDelay = TimeSpan.FromSeconds(4);
        _handler.Then(HttpStatusCode.ServiceUnavailable, "{}").Then(HttpStatusCode.OK, SecretValueJson);

        var call = CreateClient().GetSecretValueAsync("n");
        await _time.WaitForTimerAsync(TimeSpan.FromSeconds(2));
        _time.Advance(TimeSpan.FromSeconds(1.9));
        await Task.Delay(50);
        _handler.Requests.Should().ContainSingle("0.5 × 4 s = 2 s have not passed yet");
        _time.Advance(TimeSpan.FromSeconds(0.1));

        (await call).VersionId.Should().Be("v1");
        _handler.Requests.Should().HaveCount(2);
    }

    [Theory]
    [InlineData(0, 1.0, 1000)]
    [InlineData(1, 1.0, 2000)]
    [InlineData(2, 0.5, 2000)]
    [InlineData(5, 1.0, 20000)]
    [InlineData(40, 1.0, 20000)]
    [InlineData(3, 0.0, 0)]
    public void BackoffDelay_IsFullJitterOverCappedExponential(int retry, double random, double expectedMs)
    {
        PayPulse.OAuthSecrets.Internal.TransientRetry.BackoffDelay(retry, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20), random)
            .TotalMilliseconds.Should().BeApproximately(expectedMs, 0.001);
    }

    [Fact]
    public async Task PutSecretValueAsync_OversizedValue_IsRejectedWithoutARequest()
    {
        var tooLarge = new string('é', 32_769); // 65,538 bytes in UTF-8

        await FluentActions.Awaiting(() => CreateClient().PutSecretValueAsync("n", tooLarge, SecretsManagerLimits.NewClientRequestToken()))
            .Should().ThrowAsync<ArgumentException>().WithMessage("*65536 bytes*");
        await FluentActions.Awaiting(() => CreateClient().CreateSecretAsync(new NewSecret("n", tooLarge), SecretsManagerLimits.NewClientRequestToken()))
            .Should().ThrowAsync<ArgumentException>();
        _handler.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task PutSecretValueAsync_ValueOfExactly64KiB_IsSent()
    {
        _handler.Then(HttpStatusCode.OK, """{"Name":"n"}""");

        await CreateClient().PutSecretValueAsync("n", new string('x', 65_536), SecretsManagerLimits.NewClientRequestToken());

        _handler.Requests.Should().ContainSingle();
    }

    [Theory]
    [InlineData("")]
    [InlineData("gmail/user/has space")]
    [InlineData("gmail/user/ü")]
    [InlineData("gmail/user/semi;colon")]
    [InlineData("gmail/user/new\nline")]
    public async Task InvalidSecretNames_AreRejectedWithoutARequest(string name)
    {
        var client = CreateClient();

        await FluentActions.Awaiting(() => client.GetSecretValueAsync(name)).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => client.CreateSecretAsync(new NewSecret(name, "{}"), SecretsManagerLimits.NewClientRequestToken()))
            .Should().ThrowAsync<ArgumentException>();
        _handler.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task SecretNameLongerThan256_IsRejectedWithoutARequest()
    {
        await FluentActions.Awaiting(() => CreateClient().DeleteSecretAsync(new string('a', 257)))
            .Should().ThrowAsync<ArgumentException>();
        _handler.Requests.Should().BeEmpty();
    }

    [Theory]
    [InlineData("short")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123456789")]
    public async Task ClientRequestTokenOutsideRange_IsRejectedWithoutARequest(string token)
    {
        await FluentActions.Awaiting(() => CreateClient().PutSecretValueAsync("n", "{}", token))
            .Should().ThrowAsync<ArgumentException>();
        _handler.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task SuccessWithMalformedJson_EveryTime_IsATransientUnreadableSuccessResponse()
    {
        _handler.Always(HttpStatusCode.OK, "<html>proxy</html>");

        var ex = (await FluentActions.Awaiting(() => CreateClient().GetSecretValueAsync("n"))
            .Should().ThrowAsync<SecretsManagerException>()).Which;

        ex.Kind.Should().Be(SecretsManagerErrorKind.UnreadableSuccessResponse);
        ex.IsTransient.Should().BeTrue();
        ex.StatusCode.Should().Be(HttpStatusCode.OK);
        _handler.Requests.Should().HaveCount(_options.MaxAttempts, "an unreadable 2xx is retried like any transient failure");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ResponseLargerThanTheCap_IsAnInvalidResponse(bool lengthKnownUpFront)
    {
        // With a Content-Length the cap is checked before reading; without one (chunked), while reading.
        _handler.Then((_, _) =>
        {
            var bytes = new byte[SecretsManagerClient.MaxResponseBytes + 1];
            var response = new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StreamContent(lengthKnownUpFront ? new MemoryStream(bytes) : new UnseekableMemoryStream(bytes)),
            };
            response.Content.Headers.ContentLength.HasValue.Should().Be(lengthKnownUpFront);
            return Task.FromResult(response);
        });

        var ex = (await FluentActions.Awaiting(() => CreateClient().GetSecretValueAsync("n"))
            .Should().ThrowAsync<SecretsManagerException>()).Which;

        ex.Kind.Should().Be(SecretsManagerErrorKind.InvalidResponse);
        ex.Message.Should().Contain("larger than");
    }

    [Fact]
    public async Task FailedWrite_ExceptionAndLogs_NeverContainTheSecretValue()
    {
        const string value = """{"access_token":"ya29.very-secret","refresh_token":"1//rt-very-secret"}""";
        _handler.Always(HttpStatusCode.ServiceUnavailable, """{"__type":"ServiceUnavailable","message":"try later"}""");

        var ex = (await FluentActions.Awaiting(() => CreateClient().PutSecretValueAsync("gmail/user/u-1", value, SecretsManagerLimits.NewClientRequestToken()))
            .Should().ThrowAsync<SecretsManagerException>()).Which;

        ex.ToString().Should().NotContain("very-secret").And.Contain("gmail/user/u-1").And.Contain("PutSecretValue");
        _logger.Collector.GetSnapshot().Should().NotBeEmpty()
            .And.AllSatisfy(r => (r.Message + r.Exception).Should().NotContain("very-secret"));
    }

    [Fact]
    public async Task Requests_NeverFollowRedirects()
    {
        SecretsManagerClient.CreatePrimaryHandler().AllowAutoRedirect.Should().BeFalse();
        _handler.Then(HttpStatusCode.TemporaryRedirect, string.Empty, ("Location", "https://example.invalid/"));

        var ex = (await FluentActions.Awaiting(() => CreateClient().GetSecretValueAsync("n"))
            .Should().ThrowAsync<SecretsManagerException>()).Which;

        ex.StatusCode.Should().Be(HttpStatusCode.TemporaryRedirect);
        _handler.Requests.Should().ContainSingle();
    }

    private SecretsManagerClient CreateClient() => new(
        new HttpClient(_handler, disposeHandler: false),
        new SecretsManagerEndpoint(Endpoint, RegionEndpoint.USEast1),
        _options,
        _time,
        _logger,
        () => _jitter);

    [Fact]
    public async Task UnexpectedHandlerException_IsTypedAndNotRetried()
    {
        _handler.ThenThrow(new InvalidOperationException("a handler someone added failed")).Then(HttpStatusCode.OK, SecretValueJson);

        var ex = (await FluentActions.Awaiting(() => CreateClient().GetSecretValueAsync("n")).Should().ThrowAsync<SecretsManagerException>()).Which;

        ex.Kind.Should().Be(SecretsManagerErrorKind.Unknown);
        ex.IsTransient.Should().BeFalse();
        ex.InnerException.Should().BeOfType<InvalidOperationException>();
        _handler.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task TimeoutFromAnAddedResilienceHandler_IsATransientTimeout()
    {
        _handler.ThenThrow(new Polly.Timeout.TimeoutRejectedException()).Then(HttpStatusCode.OK, SecretValueJson);

        var value = await CreateClient().GetSecretValueAsync("n");

        value.VersionId.Should().Be("v1");
        _handler.Requests.Should().HaveCount(2);
    }

    private sealed class UnseekableMemoryStream(byte[] buffer) : MemoryStream(buffer)
    {
        public override bool CanSeek => false;
    }
}
