using Amazon;
using Amazon.Runtime;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Tests.SecretsManager;

/// <summary>
/// The rules that send a request once more within one attempt (clock skew, expired credentials), credential
/// resolution, and unreadable success responses.
/// </summary>
public sealed class SecretsManagerClientSigningTests : IDisposable
{
    private static readonly Uri Endpoint = new("https://secretsmanager.us-east-1.amazonaws.com/");
    private static readonly DateTimeOffset Start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private const string SecretValueJson = """{"ARN":"arn:x","Name":"n","VersionId":"v1","SecretString":"{}"}""";

    // The service's clock is 20 minutes ahead of ours.
    private const string ServerDate = "Fri, 02 Jan 2026 03:24:05 GMT";
    private const string ServerAmzDate = "20260102T032405Z";

    private readonly ScriptedHttpHandler _handler = new();
    private readonly ObservedTimeProvider _time = new(Start);
    private readonly ClockCorrections _corrections = new();
    private readonly OAuthSecretsOptions _options = new()
    {
        Region = "us-east-1",
        MaxAttempts = 1, // the resends below must not need a retry attempt
        Credentials = new SessionAWSCredentials("AKIDEXAMPLE", "secret", "session-token"),
    };

    private Func<Task<AWSCredentials>>? _defaultChain;

    public void Dispose() => _handler.Dispose();

    [Fact]
    public async Task SignatureExpired_ReSignsAtTheServersTime_OnceWithoutUsingAnAttempt_AndLaterCallsStartCorrected()
    {
        _handler
            .Then(HttpStatusCode.BadRequest, SignatureExpired, ("Date", ServerDate))
            .Then(HttpStatusCode.OK, SecretValueJson)
            .Then(HttpStatusCode.OK, SecretValueJson);
        var client = CreateClient();

        (await client.GetSecretValueAsync("n")).VersionId.Should().Be("v1");
        await client.GetSecretValueAsync("n");

        _handler.Requests.Select(r => r.Header("X-Amz-Date")).Should().Equal("20260102T030405Z", ServerAmzDate, ServerAmzDate);
        _corrections.Get(Endpoint).Should().Be(TimeSpan.FromMinutes(20));
    }

    [Theory]
    [InlineData("RequestTimeTooSkewed")]
    [InlineData("RequestExpired")]
    [InlineData("RequestInTheFuture")]
    [InlineData("requesttimetooskewed")]
    public async Task DefiniteSkewCodes_WithADateHeader_ReSign(string code)
    {
        _handler
            .Then(HttpStatusCode.BadRequest, $$"""{"__type":"{{code}}","message":"skewed"}""", ("Date", ServerDate))
            .Then(HttpStatusCode.OK, SecretValueJson);

        await CreateClient().GetSecretValueAsync("n");

        _handler.Requests.Should().HaveCount(2);
        _handler.Requests[1].Header("X-Amz-Date").Should().Be(ServerAmzDate);
    }

    [Theory]
    [InlineData("InvalidSignatureException", "Fri, 02 Jan 2026 03:10:06 GMT", true)]
    [InlineData("SignatureDoesNotMatch", "Fri, 02 Jan 2026 02:58:04 GMT", true)]
    [InlineData("InvalidSignatureException", "Fri, 02 Jan 2026 03:09:05 GMT", false)]
    [InlineData("SignatureDoesNotMatch", "Fri, 02 Jan 2026 03:04:05 GMT", false)]
    public async Task OtherSignatureErrors_AreASkewOnlyWhenTheDateIsMoreThanFiveMinutesOff(string code, string date, bool skew)
    {
        _handler
            .Then(HttpStatusCode.BadRequest, $$"""{"__type":"{{code}}","message":"The request signature we calculated does not match"}""", ("Date", date))
            .Then(HttpStatusCode.OK, SecretValueJson);

        var call = () => CreateClient().GetSecretValueAsync("n");

        if (skew)
        {
            await call();
            _handler.Requests.Should().HaveCount(2);
        }
        else
        {
            var ex = (await call.Should().ThrowAsync<SecretsManagerException>()).Which;
            ex.Kind.Should().Be(SecretsManagerErrorKind.Authentication);
            _handler.Requests.Should().ContainSingle();
            _corrections.Get(Endpoint).Should().Be(TimeSpan.Zero);
        }
    }

    [Theory]
    [InlineData("Fri, 31 Dec 9999 23:59:59 GMT")]
    [InlineData("Mon, 01 Jan 0001 00:00:00 GMT")]
    public async Task SkewWithAnAbsurdDate_IsNotCorrected_SoLaterCallsStillWork(string date)
    {
        _handler
            .Then(HttpStatusCode.BadRequest, """{"__type":"RequestTimeTooSkewed","message":"skewed"}""", ("Date", date))
            .Then(HttpStatusCode.OK, SecretValueJson);
        var client = CreateClient();

        await FluentActions.Awaiting(() => client.GetSecretValueAsync("n")).Should().ThrowAsync<SecretsManagerException>();
        _time.Advance(TimeSpan.FromSeconds(5));
        (await client.GetSecretValueAsync("n")).VersionId.Should().Be("v1", "a broken Date must not poison the endpoint's clock");
        _corrections.Get(Endpoint).Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public async Task SkewThatPersists_IsANonTransientAuthenticationFailure_AfterOneResend()
    {
        _options.MaxAttempts = 3;
        _handler.Always(HttpStatusCode.BadRequest, """{"__type":"RequestTimeTooSkewed","message":"too skewed"}""", ("Date", "Fri, 02 Jan 2026 05:04:05 GMT"));

        var ex = (await FluentActions.Awaiting(() => CreateClient().GetSecretValueAsync("n")).Should().ThrowAsync<SecretsManagerException>()).Which;

        ex.Kind.Should().Be(SecretsManagerErrorKind.Authentication);
        ex.IsTransient.Should().BeFalse();
        ex.ErrorCode.Should().Be("RequestTimeTooSkewed");
        _handler.Requests.Should().HaveCount(2, "one resend, and skew is not retried as transient");
    }

    [Fact]
    public async Task SkewWithoutADateHeader_TakesTheServersTimeFromTheMessage()
    {
        _handler
            .Then(HttpStatusCode.BadRequest, SignatureExpired)
            .Then(HttpStatusCode.OK, SecretValueJson);

        await CreateClient().GetSecretValueAsync("n");

        _handler.Requests[1].Header("X-Amz-Date").Should().Be(ServerAmzDate);
    }

    [Fact]
    public async Task SkewCodeWithoutAnyServerTime_CannotBeCorrected_AndIsNotResent()
    {
        _handler.Then(HttpStatusCode.BadRequest, """{"__type":"RequestExpired","message":"Request has expired."}""");

        var ex = (await FluentActions.Awaiting(() => CreateClient().GetSecretValueAsync("n")).Should().ThrowAsync<SecretsManagerException>()).Which;

        ex.Kind.Should().Be(SecretsManagerErrorKind.Authentication);
        _handler.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task DateFromACache_WithAnAgeHeader_IsNotTrusted()
    {
        _handler.Then(HttpStatusCode.BadRequest, """{"__type":"SignatureDoesNotMatch","message":"no"}""", ("Date", ServerDate), ("Age", "1200"));

        await FluentActions.Awaiting(() => CreateClient().GetSecretValueAsync("n")).Should().ThrowAsync<SecretsManagerException>();

        _handler.Requests.Should().ContainSingle();
    }

    [Fact]
    public void ClockCorrections_AreKeptPerEndpoint()
    {
        var other = new Uri("http://127.0.0.1:5000/");
        _corrections.Set(Endpoint, TimeSpan.FromMinutes(20));

        _corrections.Get(other).Should().Be(TimeSpan.Zero);
        _corrections.CorrectedNow(Endpoint, _time).Should().Be(Start.AddMinutes(20));
        _corrections.CorrectedNow(other, _time).Should().Be(Start);
        ClockCorrections.Shared.Should().BeSameAs(ClockCorrections.Shared);
    }

    [Theory]
    [InlineData("ExpiredTokenException", "The security token included in the request is expired")]
    [InlineData("ExpiredToken", "expired")]
    [InlineData("UnrecognizedClientException", "The security token included in the request is expired")]
    public async Task ExpiredToken_WithRefreshingCredentials_ClearsThem_AndResendsOnceWithTheNewToken(string code, string message)
    {
        var credentials = new RotatingTestCredentials();
        _options.Credentials = credentials;
        _handler
            .Then(HttpStatusCode.BadRequest, $$"""{"__type":"{{code}}","message":"{{message}}"}""")
            .Then(HttpStatusCode.OK, SecretValueJson);

        await CreateClient().GetSecretValueAsync("n");

        _handler.Requests.Select(r => r.Header("X-Amz-Security-Token")).Should().Equal("token-1", "token-2");
        credentials.Generated.Should().Be(2);
    }

    [Fact]
    public async Task ExpiredToken_FromTheDefaultChain_ClearsTheCachedRefreshingCredentials()
    {
        var credentials = new RotatingTestCredentials();
        _options.Credentials = null;
        var resolved = 0;
        _defaultChain = () =>
        {
            Interlocked.Increment(ref resolved);
            return Task.FromResult<AWSCredentials>(credentials);
        };
        _handler
            .Then(HttpStatusCode.BadRequest, """{"__type":"ExpiredTokenException","message":"expired"}""")
            .Then(HttpStatusCode.OK, SecretValueJson);

        await CreateClient().GetSecretValueAsync("n");

        _handler.Requests.Select(r => r.Header("X-Amz-Security-Token")).Should().Equal("token-1", "token-2");
        resolved.Should().Be(2, "the chain is asked again");
    }

    [Fact]
    public async Task ExpiredToken_WithFixedCredentialsFromTheOptions_IsNotResent()
    {
        _handler.Then(HttpStatusCode.BadRequest, """{"__type":"ExpiredTokenException","message":"expired"}""");

        var ex = (await FluentActions.Awaiting(() => CreateClient().GetSecretValueAsync("n")).Should().ThrowAsync<SecretsManagerException>()).Which;

        ex.Kind.Should().Be(SecretsManagerErrorKind.Authentication);
        ex.IsTransient.Should().BeFalse();
        _handler.Requests.Should().ContainSingle("fixed credentials cannot get any fresher");
    }

    [Fact]
    public async Task ExpiredTokenThatPersists_IsResentOnlyOnce()
    {
        _options.MaxAttempts = 3;
        _options.Credentials = new RotatingTestCredentials();
        _handler.Always(HttpStatusCode.BadRequest, """{"__type":"ExpiredTokenException","message":"expired"}""");

        var ex = (await FluentActions.Awaiting(() => CreateClient().GetSecretValueAsync("n")).Should().ThrowAsync<SecretsManagerException>()).Which;

        ex.Kind.Should().Be(SecretsManagerErrorKind.Authentication);
        _handler.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task CredentialResolutionThatHangs_FailsAsATransientTimeout_AtTheAttemptTimeout()
    {
        _options.Credentials = null;
        var hung = new TaskCompletionSource<AWSCredentials>(TaskCreationOptions.RunContinuationsAsynchronously);
        _defaultChain = () => hung.Task;

        var call = CreateClient().GetSecretValueAsync("n");
        await _time.WaitForTimerAsync(_options.AttemptTimeout);
        _time.Advance(_options.AttemptTimeout);

        // Bounded in real time too: an unbounded resolution fails this test instead of hanging it.
        var ex = (await FluentActions.Awaiting(() => call.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<SecretsManagerException>()).Which;
        ex.Kind.Should().Be(SecretsManagerErrorKind.Timeout);
        ex.IsTransient.Should().BeTrue();
        ex.Message.Should().Contain("credentials");
        _handler.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task CredentialResolutionThatHangs_StopsAtTheCallersCancellation_Unwrapped()
    {
        _options.Credentials = null;
        _defaultChain = () => new TaskCompletionSource<AWSCredentials>().Task;
        using var cancel = new CancellationTokenSource();

        var call = CreateClient().GetSecretValueAsync("n", cancel.Token);
        await cancel.CancelAsync();

        await FluentActions.Awaiting(() => call.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task NoCredentialsAnywhere_IsANonTransientAuthenticationFailure_WithoutARequest()
    {
        _options.MaxAttempts = 3;
        _options.Credentials = null;
        var resolved = 0;
        _defaultChain = () =>
        {
            resolved++;
            throw new AmazonClientException(
                "Failed to resolve AWS credentials. The credential providers used to search for credentials returned the following errors:\n" +
                "Exception 4 of 4: Failed to connect to EC2 instance metadata to retrieve credentials: Unable to get IAM security credentials from EC2 Instance Metadata Service..");
        };

        var ex = (await FluentActions.Awaiting(() => CreateClient().GetSecretValueAsync("n")).Should().ThrowAsync<SecretsManagerException>()).Which;

        ex.Kind.Should().Be(SecretsManagerErrorKind.Authentication);
        ex.IsTransient.Should().BeFalse();
        ex.InnerException.Should().BeOfType<AmazonClientException>();
        resolved.Should().Be(1);
        _handler.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task ContainerEndpointRefusingConnections_IsATransientNetworkFailure_AndRetried()
    {
        _options.MaxAttempts = 2;
        _options.Credentials = new FailingCredentials(new AmazonServiceException("Unable to retrieve credentials. Message = \"Connection refused\""));

        var ex = (await FluentActions.Awaiting(() => CreateClient().GetSecretValueAsync("n")).Should().ThrowAsync<SecretsManagerException>()).Which;

        ex.Kind.Should().Be(SecretsManagerErrorKind.Network);
        ex.IsTransient.Should().BeTrue();
        ((FailingCredentials)_options.Credentials).Calls.Should().Be(2);
    }

    [Theory]
    [InlineData(typeof(TimeoutException), "The operation has timed out.", SecretsManagerErrorKind.Timeout)]
    [InlineData(typeof(TaskCanceledException), "A task was canceled.", SecretsManagerErrorKind.Timeout)]
    [InlineData(typeof(HttpRequestException), "Connection refused (169.254.170.2:80)", SecretsManagerErrorKind.Network)]
    [InlineData(typeof(AmazonServiceException), "Unable to retrieve credentials. Message = \"The request was canceled due to the configured HttpClient.Timeout of 5 seconds elapsing.\"", SecretsManagerErrorKind.Timeout)]
    [InlineData(typeof(AmazonClientException), "Unable to reach credentials server", SecretsManagerErrorKind.Network)]
    [InlineData(typeof(AmazonClientException), "Failed to resolve AWS credentials. Exception 1 of 1: The operation has timed out.", SecretsManagerErrorKind.Authentication)]
    [InlineData(typeof(ArgumentException), "Cannot fetch credentials from container - the full URI contains an invalid host", SecretsManagerErrorKind.Authentication)]
    [InlineData(typeof(AmazonClientException), "The web identity token file could not be read", SecretsManagerErrorKind.Authentication)]
    public void ResolutionFailures_AreClassifiedByTheExceptionChain(Type type, string message, SecretsManagerErrorKind kind)
    {
        var inner = (Exception)Activator.CreateInstance(type, message)!;

        AwsCredentialSource.Classify(inner).Should().Be(kind);
        if (!message.StartsWith("Failed to resolve", StringComparison.Ordinal))
        {
            AwsCredentialSource.Classify(new InvalidOperationException("wrapper", inner)).Should().Be(kind, "the whole chain is read");
        }
    }

    [Theory]
    [InlineData("<html>proxy error</html>")]
    [InlineData("""{"ARN":"arn:x","Name":"n","VersionId":"v1","SecretStr""")]
    [InlineData("""[1,2]""")]
    [InlineData("""{"Name":"n","VersionId":"v1"}""")]
    [InlineData("null")]
    public async Task UnreadableSuccessResponse_IsRetried(string body)
    {
        _options.MaxAttempts = 2;
        _handler.Then(HttpStatusCode.OK, body).Then(HttpStatusCode.OK, SecretValueJson);

        (await CreateClient().GetSecretValueAsync("n")).VersionId.Should().Be("v1");

        _handler.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task UnreadableErrorResponse_KeepsItsStatusMapping_AndIsNotAnUnreadableSuccess()
    {
        _options.MaxAttempts = 3;
        _handler.Always(HttpStatusCode.BadRequest, "<html>bad request</html>");

        var ex = (await FluentActions.Awaiting(() => CreateClient().GetSecretValueAsync("n")).Should().ThrowAsync<SecretsManagerException>()).Which;

        ex.Kind.Should().Be(SecretsManagerErrorKind.Unknown);
        ex.IsTransient.Should().BeFalse();
        _handler.Requests.Should().ContainSingle();
    }

    private static string SignatureExpired =>
        """{"__type":"InvalidSignatureException","message":"Signature expired: 20260102T030405Z is now earlier than 20260102T031905Z (20260102T032405Z - 5 min.)"}""";

    private SecretsManagerClient CreateClient() => new(
        new HttpClient(_handler, disposeHandler: false),
        new SecretsManagerEndpoint(Endpoint, RegionEndpoint.USEast1),
        _options,
        _time,
        logger: null,
        jitter: () => 0,
        _corrections,
        _defaultChain);

    private sealed class FailingCredentials(Exception failure) : AWSCredentials
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public override ImmutableCredentials GetCredentials() => throw failure;

        public override Task<ImmutableCredentials> GetCredentialsAsync()
        {
            Interlocked.Increment(ref _calls);
            return Task.FromException<ImmutableCredentials>(failure);
        }
    }
}
