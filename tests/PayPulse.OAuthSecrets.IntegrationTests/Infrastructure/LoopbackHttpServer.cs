using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Web;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>
/// A real HTTP server on a free port of 127.0.0.1 (<see cref="HttpListener"/>) that records every request and answers
/// from a script: queued responders are used once each, in the order requests arrive, and the default responder
/// answers the rest. Disposing it cancels held responders (their requests get <see cref="StoppingResponse"/>: the
/// managed <see cref="HttpListener"/> cannot reset a connection, and would otherwise send an empty 200), waits for
/// in-flight requests, and stops the listener, after which connections are refused.
/// </summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private const int MaxPortAttempts = 5;

    /// <summary>What requests still in flight when the server stops get.</summary>
    public static readonly LoopbackResponse StoppingResponse = LoopbackResponse.Json(
        HttpStatusCode.ServiceUnavailable, """{"error":"loopback_server_stopping"}""");

    private static readonly TimeSpan _readTimeout = TimeSpan.FromSeconds(10);

    private readonly HttpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly List<RecordedHttpRequest> _requests = [];
    private readonly Queue<LoopbackResponder> _script = new();
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private readonly Task _acceptLoop;
    private readonly Func<RecordedHttpRequest, LoopbackResponse?>? _reject;
    private LoopbackResponder _default;
    private int _disposed;

    private LoopbackHttpServer(
        HttpListener listener, Uri baseUri, LoopbackResponder defaultResponder, Func<RecordedHttpRequest, LoopbackResponse?>? reject)
    {
        _listener = listener;
        _default = defaultResponder;
        _reject = reject;
        BaseUri = baseUri;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The server's base address, <c>http://127.0.0.1:{port}/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>A snapshot of the requests received so far, in arrival order (held ones included).</summary>
    public IReadOnlyList<RecordedHttpRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>How many requests have arrived so far.</summary>
    public int RequestCount
    {
        get
        {
            lock (_gate)
            {
                return _requests.Count;
            }
        }
    }

    /// <summary>Starts a server on a free loopback port that answers with <paramref name="defaultResponder"/> unless scripted otherwise.</summary>
    /// <param name="defaultResponder">Answers requests once the queued responders are used up.</param>
    /// <param name="reject">
    /// Checked first for every request: a response it returns is sent without touching the script (for requests the
    /// server does not serve at all, such as a wrong path); <see langword="null"/> lets the script answer.
    /// </param>
    public static LoopbackHttpServer Start(LoopbackResponder defaultResponder, Func<RecordedHttpRequest, LoopbackResponse?>? reject = null)
    {
        ArgumentNullException.ThrowIfNull(defaultResponder);
        for (var attempt = 1; ; attempt++)
        {
            var port = FindFreePort();
            var baseUri = new Uri($"http://127.0.0.1:{port}/");
            var listener = new HttpListener();
            listener.Prefixes.Add(baseUri.ToString());
            try
            {
                listener.Start();
                return new LoopbackHttpServer(listener, baseUri, defaultResponder, reject);
            }
            catch (HttpListenerException) when (attempt < MaxPortAttempts)
            {
                // Another process took the port between probing and binding; try another one.
                listener.Close();
            }
            catch
            {
                listener.Close();
                throw;
            }
        }
    }

    /// <summary>Queues <paramref name="responder"/> to answer the next request that no earlier queued responder answers.</summary>
    public LoopbackHttpServer Then(LoopbackResponder responder)
    {
        ArgumentNullException.ThrowIfNull(responder);
        lock (_gate)
        {
            _script.Enqueue(responder);
        }

        return this;
    }

    /// <summary>Makes <paramref name="responder"/> answer every request once the queued responders are used up.</summary>
    public LoopbackHttpServer Always(LoopbackResponder responder)
    {
        ArgumentNullException.ThrowIfNull(responder);
        lock (_gate)
        {
            _default = responder;
        }

        return this;
    }

    /// <summary>Waits (bounded) until at least <paramref name="count"/> requests have arrived.</summary>
    public Task WaitForRequestsAsync(int count, TimeSpan? timeout = null) =>
        Eventually.WaitUntilAsync(() => RequestCount >= count, $"{BaseUri} has received {count} request(s)", timeout);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Held responders see the cancellation and answer StoppingResponse while the listener still serves them.
        await _stopping.CancelAsync();
        await Task.WhenAll(_inFlight.Keys);
        _listener.Stop();
        await _acceptLoop;
        await Task.WhenAll(_inFlight.Keys);
        _listener.Close();
        _stopping.Dispose();
    }

    private static int FindFreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        try
        {
            return ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        finally
        {
            probe.Stop();
        }
    }

    private static async Task<RecordedHttpRequest> ReadAsync(HttpListenerRequest request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in request.Headers.AllKeys)
        {
            if (name is not null)
            {
                headers[name] = request.Headers[name] ?? string.Empty;
            }
        }

        var body = string.Empty;
        if (request.HasEntityBody)
        {
            using var reader = new StreamReader(request.InputStream, request.ContentEncoding ?? Encoding.UTF8);
            body = await reader.ReadToEndAsync(cancellationToken);
        }

        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        if (request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
        {
            var fields = HttpUtility.ParseQueryString(body);
            foreach (var name in fields.AllKeys)
            {
                if (name is not null)
                {
                    form[name] = fields[name] ?? string.Empty;
                }
            }
        }

        return new RecordedHttpRequest(request.HttpMethod, request.Url?.AbsolutePath ?? "/", headers, body, form);
    }

    private static async Task WriteAsync(HttpListenerResponse response, LoopbackResponse answer, CancellationToken stopping)
    {
        var bytes = Encoding.UTF8.GetBytes(answer.Body);
        response.StatusCode = (int)answer.StatusCode;
        response.ContentType = answer.ContentType;
        foreach (var (name, value) in answer.Headers)
        {
            response.Headers[name] = value;
        }

        if (answer.Chunked)
        {
            response.SendChunked = true;
        }
        else
        {
            response.ContentLength64 = answer.AnnouncedLength ?? bytes.Length;
        }

        await response.OutputStream.WriteAsync(bytes, CancellationToken.None);
        if (answer.HoldAfterBody)
        {
            await response.OutputStream.FlushAsync(CancellationToken.None);

            // Ends in OperationCanceledException when the server stops: the connection is aborted, never completed.
            await Task.Delay(Timeout.Infinite, stopping);
        }

        response.Close();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                // Stop() ends the pending accept.
                return;
            }

            var handling = HandleAsync(context);
            _inFlight.TryAdd(handling, 0);
            _ = handling.ContinueWith(done => _inFlight.TryRemove(done, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        // Off the accept loop at once, so that a held request never delays the next accept.
        await Task.Yield();
        var stopping = _stopping.Token;
        try
        {
            // Read under its own bound, not the stopping token: a request that arrives while the server stops still
            // gets a real answer (StoppingResponse from a held responder) instead of the listener's empty 200.
            RecordedHttpRequest recorded;
            using (var readTimeout = new CancellationTokenSource(_readTimeout))
            {
                recorded = await ReadAsync(context.Request, readTimeout.Token);
            }

            LoopbackResponder? responder = null;
            var rejection = _reject?.Invoke(recorded);
            lock (_gate)
            {
                _requests.Add(recorded);
                if (rejection is null)
                {
                    responder = _script.Count > 0 ? _script.Dequeue() : _default;
                }
            }

            LoopbackResponse answer;
            try
            {
                answer = rejection ?? await responder!(recorded, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                answer = StoppingResponse;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A broken script should fail the test visibly, not hang the client.
                answer = new LoopbackResponse(HttpStatusCode.InternalServerError, $"responder failed: {ex}", "text/plain; charset=utf-8");
            }

            await WriteAsync(context.Response, answer, stopping);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The server stopped while the request was read, or the client went away.
            AbortQuietly(context.Response);
        }
    }

    private static void AbortQuietly(HttpListenerResponse response)
    {
        try
        {
            response.Abort();
        }
        catch (ObjectDisposedException)
        {
            // Already closed.
        }
    }
}
