namespace PayPulse.OAuthSecrets.Internal.SecretsManager;

/// <summary>One page of ListSecrets: the secrets' names (no values) and the token of the next page, if any.</summary>
internal sealed record SecretListPage(IReadOnlyList<string> Names, string? NextToken)
{
    /// <summary>The most secrets one page holds (ListSecrets' MaxResults is at most 100).</summary>
    public const int MaxResults = 100;
}
