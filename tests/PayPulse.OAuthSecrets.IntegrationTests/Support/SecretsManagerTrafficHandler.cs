using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace PayPulse.OAuthSecrets.IntegrationTests.Support;

/// <summary>
/// Sits in the library's Secrets Manager HTTP pipeline and records each call twice: when it is sent and when its
/// response has arrived, so that a test can wait until a read has completed.
/// </summary>
internal sealed class SecretsManagerTrafficHandler : DelegatingHandler
{
    private readonly ConcurrentQueue<SecretsManagerCall> _sent = new();
    private readonly ConcurrentQueue<SecretsManagerCall> _completed = new();
    private readonly ConcurrentQueue<TimedSecretsManagerCall> _timed = new();

    /// <summary>Gets the calls sent so far, in order.</summary>
    public IReadOnlyList<SecretsManagerCall> Sent => [.. _sent];

    /// <summary>Gets the calls whose response has arrived so far, in order.</summary>
    public IReadOnlyList<SecretsManagerCall> Completed => [.. _completed];

    /// <summary>
    /// Gets the calls sent so far with the moment each left for the server (after <see cref="BeforeSend"/>), in the
    /// order they were recorded: sort by <see cref="TimedSecretsManagerCall.SentAt"/> to measure rates.
    /// </summary>
    public IReadOnlyList<TimedSecretsManagerCall> SentTimed => [.. _timed];

    /// <summary>Gets or sets what runs before each request is sent: a test can delay or hold it there.</summary>
    public Func<SecretsManagerCall, CancellationToken, Task>? BeforeSend { get; set; }

    /// <summary>
    /// Gets or sets what runs once each response has arrived, before the library sees it: a test can hold a read that
    /// the server has already answered (a read that started before a write and finishes after it).
    /// </summary>
    public Func<SecretsManagerCall, CancellationToken, Task>? BeforeReturn { get; set; }

    /// <summary>How many <paramref name="operation"/> calls (on <paramref name="secretId"/>, if given) were sent.</summary>
    public int CountSent(string operation, string? secretId = null) => Count(_sent, operation, secretId);

    /// <summary>How many <paramref name="operation"/> calls (on <paramref name="secretId"/>, if given) got a response.</summary>
    public int CountCompleted(string operation, string? secretId = null) => Count(_completed, operation, secretId);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.FirstOrDefault() : null;
        var operation = target is null ? "(none)" : target[(target.IndexOf('.', StringComparison.Ordinal) + 1)..];
        var call = new SecretsManagerCall(operation, await ReadSecretIdAsync(request, cancellationToken));
        if (BeforeSend is { } beforeSend)
        {
            await beforeSend(call, cancellationToken);
        }

        _sent.Enqueue(call);
        _timed.Enqueue(new TimedSecretsManagerCall(call, Stopwatch.GetTimestamp()));
        var response = await base.SendAsync(request, cancellationToken);
        _completed.Enqueue(call);
        if (BeforeReturn is { } beforeReturn)
        {
            await beforeReturn(call, cancellationToken);
        }

        return response;
    }

    private static int Count(IEnumerable<SecretsManagerCall> calls, string operation, string? secretId) =>
        calls.Count(c => string.Equals(c.Operation, operation, StringComparison.Ordinal)
                         && (secretId is null || string.Equals(c.SecretId, secretId, StringComparison.Ordinal)));

    private static async Task<string?> ReadSecretIdAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is null)
        {
            return null;
        }

        // The library sends a buffered body, so reading it here leaves it intact for the server.
        var body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
        try
        {
            using var document = JsonDocument.Parse(body);
            foreach (var key in new[] { "SecretId", "Name" })
            {
                if (document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty(key, out var value)
                    && value.ValueKind == JsonValueKind.String)
                {
                    return value.GetString();
                }
            }
        }
        catch (JsonException)
        {
            // Not a JSON body.
        }

        return null;
    }
}
