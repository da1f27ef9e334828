using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Web;

namespace PayPulse.OAuthSecrets.Sample;

/// <summary>
/// A stand-in for Google's token endpoint on 127.0.0.1, so that the samples can show refreshes without real Google
/// tokens: it answers refresh_token grants with a new access token, and <c>invalid_grant</c> for refresh tokens it was
/// told are revoked (<see cref="Revoke"/>) or that start with <see cref="RevokedPrefix"/>. The prefix rule is in the
/// token itself, so a later run, in another process, finds the same grants revoked (the maintenance sweep sample's demo
/// users "revoked at Google").
/// </summary>
internal sealed class GoogleTokenEndpointStandIn : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    /// <summary>The start of every refresh token this stand-in refuses with <c>invalid_grant</c>.</summary>
    public const string RevokedPrefix = "1//revoked-";

    private readonly HashSet<string> _revoked = new(StringComparer.Ordinal);
    private int _requests;
    private readonly Task _loop;
    private int _issued;

    private GoogleTokenEndpointStandIn(int port)
    {
        TokenUri = new Uri($"http://127.0.0.1:{port}/token");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri TokenUri { get; }

    public int RequestCount => Volatile.Read(ref _requests);

    public static GoogleTokenEndpointStandIn Start()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new GoogleTokenEndpointStandIn(port);
    }

    public void Revoke(string refreshToken)
    {
        lock (_revoked)
        {
            _revoked.Add(refreshToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (HttpListenerException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
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

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var form = HttpUtility.ParseQueryString(await reader.ReadToEndAsync());
            Interlocked.Increment(ref _requests);
            var refreshToken = form["refresh_token"] ?? string.Empty;
            bool revoked;
            lock (_revoked)
            {
                revoked = _revoked.Contains(refreshToken) || refreshToken.StartsWith(RevokedPrefix, StringComparison.Ordinal);
            }

            var (status, body) = form["grant_type"] != "refresh_token" || string.IsNullOrEmpty(form["client_id"])
                ? (400, """{"error":"invalid_request"}""")
                : revoked
                    ? (400, """{"error":"invalid_grant","error_description":"Token has been expired or revoked."}""")
                    : (200, $$"""{"access_token":"ya29.stand-in-{{Interlocked.Increment(ref _issued)}}","expires_in":3599,"token_type":"Bearer"}""");
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }
}
