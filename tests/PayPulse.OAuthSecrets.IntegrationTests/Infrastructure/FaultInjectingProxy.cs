using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>
/// A forwarding HTTP proxy on a free port of 127.0.0.1 (<see cref="HttpListener"/>) in front of one upstream server
/// (moto, say). Every request is counted; the first fault rule whose predicate matches answers it without touching the
/// upstream, and every other request is forwarded as it came (method, path and query, headers, body) and the upstream's
/// answer relayed as it went (status, headers, body). Point a client's service URL at <see cref="BaseUri"/>.
/// Thread-safe; rules can change while requests are in flight.
/// </summary>
public sealed class FaultInjectingProxy : IAsyncDisposable
{
    private const int MaxPortAttempts = 5;

    private static readonly HashSet<string> HopByHopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Host", "Content-Length",
    };

    private readonly HttpListener _listener;
    private readonly HttpClient _upstream;
    private readonly Uri _upstreamBase;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private readonly Lock _gate = new();
    private readonly List<(Func<RecordedHttpRequest, bool> When, Func<RecordedHttpRequest, LoopbackResponse> Answer)> _faults = [];
    private readonly Task _acceptLoop;
    private int _requests;
    private int _forwarded;
    private int _injected;
    private int _disposed;

    private FaultInjectingProxy(HttpListener listener, Uri baseUri, Uri upstream)
    {
        _listener = listener;
        _upstreamBase = upstream;
        BaseUri = baseUri;
        _upstream = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The proxy's base address, <c>http://127.0.0.1:{port}/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>How many requests have arrived in all (forwarded and injected) since the start or the last <see cref="ResetCounts"/>.</summary>
    public int RequestCount => Volatile.Read(ref _requests);

    /// <summary>How many requests were forwarded to the upstream.</summary>
    public int ForwardedCount => Volatile.Read(ref _forwarded);

    /// <summary>How many requests a fault rule answered.</summary>
    public int InjectedCount => Volatile.Read(ref _injected);

    /// <summary>Starts a proxy that forwards to <paramref name="upstream"/> until fault rules are added.</summary>
    public static FaultInjectingProxy Start(Uri upstream)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        for (var attempt = 1; ; attempt++)
        {
            var baseUri = new Uri($"http://127.0.0.1:{FindFreePort()}/");
            var listener = new HttpListener();
            listener.Prefixes.Add(baseUri.ToString());
            try
            {
                listener.Start();
                return new FaultInjectingProxy(listener, baseUri, upstream);
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

    /// <summary>Answers every request that matches <paramref name="when"/> with <paramref name="answer"/> (checked in the order added).</summary>
    public FaultInjectingProxy InjectWhen(Func<RecordedHttpRequest, bool> when, Func<RecordedHttpRequest, LoopbackResponse> answer)
    {
        ArgumentNullException.ThrowIfNull(when);
        ArgumentNullException.ThrowIfNull(answer);
        lock (_gate)
        {
            _faults.Add((when, answer));
        }

        return this;
    }

    /// <summary>Answers every request with <paramref name="answer"/>: an outage.</summary>
    public FaultInjectingProxy InjectAll(Func<RecordedHttpRequest, LoopbackResponse> answer) => InjectWhen(static _ => true, answer);

    /// <summary>Removes every fault rule: every request is forwarded again.</summary>
    public void ClearFaults()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    /// <summary>Sets every count back to zero.</summary>
    public void ResetCounts()
    {
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _forwarded, 0);
        Interlocked.Exchange(ref _injected, 0);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        await Task.WhenAll(_inFlight.Keys);
        _listener.Close();
        _upstream.Dispose();
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
                return;
            }

            var handling = HandleAsync(context);
            _inFlight.TryAdd(handling, 0);
            _ = handling.ContinueWith(done => _inFlight.TryRemove(done, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        await Task.Yield();
        var response = context.Response;
        try
        {
            var request = context.Request;
            byte[] body;
            using (var buffer = new MemoryStream())
            {
                await request.InputStream.CopyToAsync(buffer, _stopping.Token);
                body = buffer.ToArray();
            }

            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in request.Headers.AllKeys)
            {
                if (name is not null)
                {
                    headers[name] = request.Headers[name] ?? string.Empty;
                }
            }

            var recorded = new RecordedHttpRequest(
                request.HttpMethod, request.Url?.AbsolutePath ?? "/", headers, Encoding.UTF8.GetString(body), new Dictionary<string, string>());
            Interlocked.Increment(ref _requests);

            Func<RecordedHttpRequest, LoopbackResponse>? fault = null;
            lock (_gate)
            {
                foreach (var (when, answer) in _faults)
                {
                    if (when(recorded))
                    {
                        fault = answer;
                        break;
                    }
                }
            }

            if (fault is not null)
            {
                Interlocked.Increment(ref _injected);
                var injected = fault(recorded);
                var bytes = Encoding.UTF8.GetBytes(injected.Body);
                response.StatusCode = (int)injected.StatusCode;
                response.ContentType = injected.ContentType;
                response.ContentLength64 = bytes.Length;
                await response.OutputStream.WriteAsync(bytes, _stopping.Token);
                return;
            }

            Interlocked.Increment(ref _forwarded);
            await ForwardAsync(request, body, response);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpListenerException or IOException or HttpRequestException)
        {
            // The proxy is stopping, the client went away, or the upstream failed: tell the client the gateway failed.
            TrySetStatus(response, HttpStatusCode.BadGateway);
        }
        finally
        {
            response.Close();
        }
    }

    private async Task ForwardAsync(HttpListenerRequest request, byte[] body, HttpListenerResponse response)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.HttpMethod), new Uri(_upstreamBase, request.RawUrl ?? "/"));
        if (body.Length > 0 || request.HasEntityBody)
        {
            message.Content = new ByteArrayContent(body);
        }

        foreach (var name in request.Headers.AllKeys)
        {
            if (name is null || HopByHopHeaders.Contains(name))
            {
                continue;
            }

            var value = request.Headers[name] ?? string.Empty;
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var answer = await _upstream.SendAsync(message, HttpCompletionOption.ResponseContentRead, _stopping.Token);
        var bytes = await answer.Content.ReadAsByteArrayAsync(_stopping.Token);
        response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
        {
            if (HopByHopHeaders.Contains(name))
            {
                continue;
            }

            var value = string.Join(", ", values);
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                response.ContentType = value;
                continue;
            }

            try
            {
                response.Headers[name] = value;
            }
            catch (ArgumentException)
            {
                // A header HttpListener sets itself (Date, Server): its own value goes out.
            }
        }

        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes, _stopping.Token);
    }

    private static void TrySetStatus(HttpListenerResponse response, HttpStatusCode status)
    {
        try
        {
            response.StatusCode = (int)status;
        }
        catch (InvalidOperationException)
        {
            // Headers already sent.
        }
    }
}
