using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>
/// A small HTTP/1.1 proxy on a free port of 127.0.0.1 that forwards every request to an upstream server (moto) unless
/// its interceptor answers the request itself, and records every request it saw. Unlike <see cref="LoopbackHttpServer"/>
/// it writes the response bytes itself, so an injected answer can carry any headers, a <c>Date</c> in particular.
/// One request per connection (it answers with <c>Connection: close</c>).
/// </summary>
public sealed class LoopbackAwsProxy : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpListener _listener;
    private readonly Uri _upstream;
    private readonly Func<ProxiedRequest, InjectedResponse?> _intercept;
    private readonly HttpClient _forwarder = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly List<ProxiedRequest> _requests = [];
    private readonly Task _acceptLoop;

    private LoopbackAwsProxy(Uri upstream, Func<ProxiedRequest, InjectedResponse?> intercept)
    {
        _upstream = upstream;
        _intercept = intercept;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        BaseUri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The proxy's address, to use as the client's service URL.</summary>
    public Uri BaseUri { get; }

    /// <summary>A snapshot of the requests seen so far, in arrival order, injected and forwarded alike.</summary>
    public IReadOnlyList<ProxiedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>
    /// Starts a proxy to <paramref name="upstream"/>. <paramref name="intercept"/> sees each request (with its 1-based
    /// number) and returns the answer to send instead of forwarding, or <see langword="null"/> to forward it.
    /// </summary>
    public static LoopbackAwsProxy Start(Uri upstream, Func<ProxiedRequest, InjectedResponse?> intercept)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        ArgumentNullException.ThrowIfNull(intercept);
        return new LoopbackAwsProxy(upstream, intercept);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _forwarder.Dispose();
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stopping.Token);
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(ReadTimeout);
        try
        {
            var (method, path, headers, body) = await ReadRequestAsync(stream, timeout.Token);
            ProxiedRequest request;
            lock (_gate)
            {
                request = new ProxiedRequest(_requests.Count + 1, method, path, headers, body);
                _requests.Add(request);
            }

            var answer = _intercept(request) ?? await ForwardAsync(request, timeout.Token);
            await WriteResponseAsync(stream, answer, timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
        {
            // The client went away or the proxy is stopping.
        }
    }

    private async Task<InjectedResponse> ForwardAsync(ProxiedRequest request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_upstream, request.Path))
        {
            Content = new ByteArrayContent(request.Body),
        };
        foreach (var (name, value) in request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) ||
                name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) ||
                name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await _forwarder.SendAsync(message, cancellationToken);
        var responseBody = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var responseHeaders = response.Headers
            .Concat(response.Content.Headers)
            .Where(h => !h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) &&
                        !h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) &&
                        !h.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            .Select(h => (h.Key, string.Join(", ", h.Value)))
            .ToArray();
        return new InjectedResponse(response.StatusCode, responseBody, responseHeaders);
    }

    private static async Task<(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)> ReadRequestAsync(
        Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int headerEnd;
        while ((headerEnd = IndexOfHeaderEnd(buffer)) < 0)
        {
            var read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                throw new IOException("The client closed the connection before sending a request.");
            }

            buffer.Write(chunk, 0, read);
        }

        var all = buffer.ToArray();
        var lines = Encoding.ASCII.GetString(all, 0, headerEnd).Split("\r\n");
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        var length = headers.TryGetValue("Content-Length", out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : 0;
        var body = new MemoryStream();
        body.Write(all, headerEnd + 4, all.Length - headerEnd - 4);
        while (body.Length < length)
        {
            var read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                throw new IOException("The client closed the connection in the middle of the body.");
            }

            body.Write(chunk, 0, read);
        }

        return (requestLine[0], requestLine[1], headers, body.ToArray());
    }

    private static int IndexOfHeaderEnd(MemoryStream buffer) =>
        buffer.GetBuffer().AsSpan(0, (int)buffer.Length).IndexOf("\r\n\r\n"u8);

    private static async Task WriteResponseAsync(Stream stream, InjectedResponse response, CancellationToken cancellationToken)
    {
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {(int)response.StatusCode} {response.StatusCode}\r\n");
        foreach (var (name, value) in response.Headers)
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        head.Append(CultureInfo.InvariantCulture, $"Content-Length: {response.Body.Length}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), cancellationToken);
        await stream.WriteAsync(response.Body, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }
}

/// <summary>A request the proxy saw: its 1-based number, method, path, headers and body.</summary>
public sealed record ProxiedRequest(int Number, string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    /// <summary>The value of header <paramref name="name"/>, or <see langword="null"/>.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The Secrets Manager operation, from <c>X-Amz-Target</c>.</summary>
    public string Operation => Header("X-Amz-Target")?.Replace("secretsmanager.", string.Empty, StringComparison.Ordinal) ?? string.Empty;
}

/// <summary>A response the proxy sends: status, body and headers exactly as given.</summary>
public sealed record InjectedResponse(HttpStatusCode StatusCode, byte[] Body, params (string Name, string Value)[] Headers)
{
    /// <summary>An AWS JSON 1.1 answer with <paramref name="json"/> as the body.</summary>
    public static InjectedResponse Json(HttpStatusCode status, string json, params (string Name, string Value)[] headers) =>
        new(status, Encoding.UTF8.GetBytes(json), [("Content-Type", "application/x-amz-json-1.1"), .. headers]);
}
