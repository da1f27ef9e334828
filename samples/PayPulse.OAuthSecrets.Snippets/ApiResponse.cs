namespace PayPulse.OAuthSecrets.Snippets;

/// <summary>Stands for a Lambda's response type (such as API Gateway's <c>APIGatewayProxyResponse</c>).</summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="Body">The body.</param>
public sealed record ApiResponse(int StatusCode, string Body);
