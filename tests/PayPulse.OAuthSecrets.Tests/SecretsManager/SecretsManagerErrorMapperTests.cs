using System.Text;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Tests.SecretsManager;

public sealed class SecretsManagerErrorMapperTests
{
    [Theory]
    [InlineData("""{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}""", "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")]
    [InlineData("""{"__type":"com.amazonaws.secretsmanager#ResourceNotFoundException","Message":"gone"}""", "ResourceNotFoundException", "gone")]
    [InlineData("""{"code":"ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/","message":"Rate exceeded"}""", "ThrottlingException", "Rate exceeded")]
    [InlineData("""{"__type":"aws.protocoltests#FooError:http://internal.amazon.com/"}""", "FooError", null)]
    [InlineData("""<ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error></Errors></ErrorResponse>""", "InvalidClientTokenId", "The security token included in the request is invalid.")]
    [InlineData("", null, null)]
    [InlineData("not json at all", null, null)]
    [InlineData("{broken json", null, null)]
    [InlineData("[1,2]", null, null)]
    public void FromResponse_ReadsCodeAndMessageFromEveryBodyShape(string body, string? code, string? message)
    {
        var ex = Map(HttpStatusCode.BadRequest, body);

        ex.ErrorCode.Should().Be(code);
        if (message is not null)
        {
            ex.Message.Should().Contain(message);
        }

        ex.Message.Should().Contain("GetSecretValue").And.Contain("gmail/user/u-1").And.Contain("HTTP 400");
    }

    [Fact]
    public void FromResponse_ErrorTypeHeader_WinsOverTheBody()
    {
        var ex = Map(HttpStatusCode.BadRequest, """{"__type":"Other"}""", ("X-Amzn-ErrorType", "AccessDeniedException:http://internal"));

        ex.ErrorCode.Should().Be("AccessDeniedException");
        ex.Kind.Should().Be(SecretsManagerErrorKind.AccessDenied);
    }

    [Fact]
    public void FromResponse_ReadsTheRequestId()
    {
        var ex = Map(HttpStatusCode.BadRequest, "{}", ("x-amzn-RequestId", "0f1e2d3c"));

        ex.RequestId.Should().Be("0f1e2d3c");
        ex.Message.Should().Contain("0f1e2d3c");
    }

    [Fact]
    public void FromResponse_LongOrControlCharacterMessages_AreTrimmed()
    {
        var ex = Map(HttpStatusCode.BadRequest, $$"""{"__type":"X","message":"line1\nline2{{new string('m', 1000)}}"}""");

        ex.Message.Should().NotContain("\n").And.Contain("line1 line2");
        ex.Message.Length.Should().BeLessThan(600);
    }

    [Theory]
    [InlineData("ResourceNotFoundException", null, 404, SecretsManagerErrorKind.NotFound)]
    [InlineData("ResourceExistsException", null, 400, SecretsManagerErrorKind.AlreadyExists)]
    [InlineData("InvalidRequestException", "You can't create this secret because a secret with this name is already scheduled for deletion.", 400, SecretsManagerErrorKind.ScheduledForDeletion)]
    [InlineData("InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion.", 400, SecretsManagerErrorKind.ScheduledForDeletion)]
    [InlineData("InvalidRequestException", "You tried to perform the operation on a secret that's currently marked deleted.", 400, SecretsManagerErrorKind.ScheduledForDeletion)]
    [InlineData("InvalidRequestException", "You can't rotate a secret that has no rotation function.", 400, SecretsManagerErrorKind.InvalidRequest)]
    [InlineData("InvalidParameterException", null, 400, SecretsManagerErrorKind.InvalidParameter)]
    [InlineData("AccessDeniedException", null, 400, SecretsManagerErrorKind.AccessDenied)]
    [InlineData("UnrecognizedClientException", null, 400, SecretsManagerErrorKind.Authentication)]
    [InlineData("InvalidSignatureException", null, 400, SecretsManagerErrorKind.Authentication)]
    [InlineData("SignatureDoesNotMatch", null, 403, SecretsManagerErrorKind.Authentication)]
    [InlineData("ExpiredTokenException", null, 400, SecretsManagerErrorKind.Authentication)]
    [InlineData("DecryptionFailure", null, 400, SecretsManagerErrorKind.Kms)]
    [InlineData("EncryptionFailure", null, 400, SecretsManagerErrorKind.Kms)]
    [InlineData("KMSInvalidStateException", null, 400, SecretsManagerErrorKind.Kms)]
    [InlineData("LimitExceededException", null, 400, SecretsManagerErrorKind.QuotaExceeded)]
    [InlineData("ThrottlingException", null, 400, SecretsManagerErrorKind.Throttled)]
    [InlineData("TooManyRequestsException", null, 400, SecretsManagerErrorKind.Throttled)]
    [InlineData("RequestLimitExceeded", null, 400, SecretsManagerErrorKind.Throttled)]
    [InlineData("InternalServiceError", null, 400, SecretsManagerErrorKind.ServiceUnavailable)]
    [InlineData("InternalFailure", null, 500, SecretsManagerErrorKind.ServiceUnavailable)]
    [InlineData("ServiceUnavailable", null, 503, SecretsManagerErrorKind.ServiceUnavailable)]
    [InlineData("RequestTimeout", null, 400, SecretsManagerErrorKind.Timeout)]
    [InlineData(null, null, 500, SecretsManagerErrorKind.ServiceUnavailable)]
    [InlineData(null, null, 502, SecretsManagerErrorKind.ServiceUnavailable)]
    [InlineData(null, null, 503, SecretsManagerErrorKind.ServiceUnavailable)]
    [InlineData(null, null, 504, SecretsManagerErrorKind.ServiceUnavailable)]
    [InlineData(null, null, 429, SecretsManagerErrorKind.Throttled)]
    [InlineData(null, null, 403, SecretsManagerErrorKind.AccessDenied)]
    [InlineData(null, null, 400, SecretsManagerErrorKind.Unknown)]
    [InlineData("SomethingNew", null, 400, SecretsManagerErrorKind.Unknown)]
    [InlineData("SomethingNew", null, 503, SecretsManagerErrorKind.ServiceUnavailable)]
    public void Classify_MapsEveryKnownCode(string? code, string? message, int status, SecretsManagerErrorKind expected)
    {
        SecretsManagerErrorMapper.Classify(code, message, (HttpStatusCode)status).Should().Be(expected);
    }

    [Theory]
    [InlineData(SecretsManagerErrorKind.Throttled, true)]
    [InlineData(SecretsManagerErrorKind.ServiceUnavailable, true)]
    [InlineData(SecretsManagerErrorKind.Timeout, true)]
    [InlineData(SecretsManagerErrorKind.Network, true)]
    [InlineData(SecretsManagerErrorKind.QuotaExceeded, false)]
    [InlineData(SecretsManagerErrorKind.NotFound, false)]
    [InlineData(SecretsManagerErrorKind.AccessDenied, false)]
    [InlineData(SecretsManagerErrorKind.InvalidResponse, false)]
    [InlineData(SecretsManagerErrorKind.UnreadableSuccessResponse, true)]
    public void IsTransient_FollowsTheKind(SecretsManagerErrorKind kind, bool transient)
    {
        new SecretsManagerException("m", kind, null, null, null).IsTransient.Should().Be(transient);
    }

    [Fact]
    public void Constructors_KeepMessageAndInnerException()
    {
        var inner = new InvalidOperationException("inner");

        new OAuthSecretsException().Message.Should().NotBeNullOrEmpty();
        new OAuthSecretsException("m", inner).InnerException.Should().BeSameAs(inner);
        new SecretsManagerException("m").Kind.Should().Be(SecretsManagerErrorKind.Unknown);
        new SecretsManagerException("m", inner).InnerException.Should().BeSameAs(inner);
        new SecretsManagerException().Should().BeAssignableTo<OAuthSecretsException>();
    }

    private static SecretsManagerException Map(HttpStatusCode status, string body, params (string Name, string Value)[] headers)
    {
        using var response = new HttpResponseMessage(status);
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return SecretsManagerErrorMapper.FromResponse("GetSecretValue", "gmail/user/u-1", status, response.Headers, Encoding.UTF8.GetBytes(body));
    }
}
