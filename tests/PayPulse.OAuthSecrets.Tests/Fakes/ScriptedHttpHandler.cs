using System.Collections.Concurrent;
using System.Text;

namespace PayPulse.OAuthSecrets.Tests.Fakes;

/// <summary>
/// An <see cref="HttpMessageHandler"/> that answers from a script, one responder per request, and records every
/// request it saw (headers and body) for assertions.
/// </summary>
internal sealed class ScriptedHttpHandler : HttpMessageHandler
{
    private readonly ConcurrentQueue<Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>>> _script = new();
    private readonly SemaphoreSlim _received = new(0);
    private Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>>? _fallback;

    public List<RecordedRequest> Requests { get; } = [];

    public ScriptedHttpHandler Then(Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>> responder)
    {
        _script.Enqueue(responder);
        return this;
    }

    public ScriptedHttpHandler Then(HttpStatusCode status, string body = "{}", params (string Name, string Value)[] headers) =>
        Then((_, _) => Task.FromResult(Response(status, body, headers)));

    public ScriptedHttpHandler ThenThrow(Exception exception) => Then((_, _) => Task.FromException<HttpResponseMessage>(exception));

    /// <summary>Answers the next request only once <paramref name="release"/> completes.</summary>
    public ScriptedHttpHandler ThenHeld(Task release, HttpStatusCode status, string body) => Then(async (_, _) =>
    {
        await release;
        return Response(status, body);
    });

    public ScriptedHttpHandler ThenHang() => Then((_, ct) => Hang.UntilCancelledAsync<HttpResponseMessage>(ct));

    /// <summary>Answers every request the script does not, by <paramref name="responder"/>.</summary>
    public ScriptedHttpHandler Always(Func<RecordedRequest, HttpResponseMessage> responder)
    {
        _fallback = (request, _) => Task.FromResult(responder(request));
        return this;
    }

    public ScriptedHttpHandler Always(HttpStatusCode status, string body = "{}", params (string Name, string Value)[] headers)
    {
        _fallback = (_, _) => Task.FromResult(Response(status, body, headers));
        return this;
    }

    /// <summary>Waits until the handler has received <paramref name="count"/> requests in all.</summary>
    public async Task WaitForRequestsAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            lock (Requests)
            {
                if (Requests.Count >= count)
                {
                    return;
                }
            }

            await _received.WaitAsync(timeout.Token);
        }
    }

    public static HttpResponseMessage Response(HttpStatusCode status, string body, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8) };
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var recorded = await RecordedRequest.FromAsync(request);
        lock (Requests)
        {
            Requests.Add(recorded);
        }

        _received.Release();
        if (_script.TryDequeue(out var responder))
        {
            return await responder(recorded, cancellationToken);
        }

        if (_fallback is not null)
        {
            return await _fallback(recorded, cancellationToken);
        }

        throw new InvalidOperationException($"The script has no response for request {Requests.Count}.");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _received.Dispose();
        }

        base.Dispose(disposing);
    }
}
