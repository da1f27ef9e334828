using System.Globalization;
using System.Net;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>
/// A stateful OAuth token endpoint on 127.0.0.1 that rotates refresh tokens and detects their reuse, as servers with
/// refresh-token rotation do (Google itself does not rotate; turn it off with
/// <see cref="RotatingOAuthServerOptions.RotateRefreshTokens"/>). It serves <c>POST /token</c> with the form body
/// <c>grant_type=refresh_token&amp;refresh_token=…&amp;client_id=…</c> like <c>https://oauth2.googleapis.com/token</c>,
/// hosted on a <see cref="LoopbackHttpServer"/> whose every request is recorded.
/// </summary>
/// <remarks>
/// <para>
/// <b>Grants and tokens.</b> <see cref="Connect"/> plays a user's consent: a new grant with a fresh access token and
/// refresh token. Tokens carry their grant: access tokens are <c>at.{grantId}.{n}.{random}</c> and refresh tokens
/// <c>rt.{grantId}.{n}.{random}</c>, where <c>n</c> counts that kind of token within the grant from 1.
/// <see cref="GrantOf"/> tells which grant issued a token. Access tokens do not expire here (<c>expires_in</c> is only
/// reported); they stay live until their grant is revoked, as Google's keep working after a refresh.
/// </para>
/// <para>
/// <b>Decisions</b>, in this order, each one atomic under the server's lock (so concurrent requests are decided one at
/// a time, in the order they reach the lock):
/// </para>
/// <list type="number">
/// <item><c>client_id</c> missing or not <see cref="RotatingOAuthServerOptions.ExpectedClientId"/>: 401 <c>invalid_client</c>; nothing changes.</item>
/// <item><c>grant_type</c> not <c>refresh_token</c>: 400 <c>unsupported_grant_type</c>; no <c>refresh_token</c>: 400 <c>invalid_request</c>.</item>
/// <item>A refresh token the server never issued (an access token included): 400 <c>invalid_grant</c>.</item>
/// <item>
/// A <b>consumed</b> refresh token (reuse): the whole grant is revoked (if it was not already) and the answer is 400
/// <c>invalid_grant</c>. Every such presentation counts in <see cref="ReuseDetections"/>, also after the grant is
/// revoked.
/// </item>
/// <item>A refresh token of a revoked grant: 400 <c>invalid_grant</c>.</item>
/// <item>
/// Otherwise 200 <c>{"access_token","expires_in","scope","token_type":"Bearer"}</c> with a new access token; when
/// rotating, also a new <c>"refresh_token"</c>, and the presented one becomes consumed. So when N requests present the
/// same live refresh token at once, exactly one gets 200 and the N−1 others are reuse, which revokes the grant
/// (the winner's new tokens included).
/// </item>
/// </list>
/// <para>
/// <b>Hooks.</b> <see cref="OnArrival"/> runs before the decision (nothing has changed yet: hold requests there to
/// control the order in which they are decided, e.g. with <see cref="TokenExchangeHooks.Barrier"/>);
/// <see cref="BeforeAnswer"/> runs after it (the state has already changed: hold there to play a response that is
/// slow or lost on the way back). Both get a token that is cancelled when the server stops; a request cancelled that
/// way is answered 503 (<see cref="LoopbackHttpServer.StoppingResponse"/>), and a hook that throws gets the request a
/// 500 naming the exception.
/// </para>
/// </remarks>
public sealed class RotatingOAuthServer : IAsyncDisposable
{
    /// <summary>The path the server serves.</summary>
    public const string TokenPath = LoopbackTokenEndpoint.TokenPath;

    private const string RandomAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    private const int RandomLength = 16;

    private readonly RotatingOAuthServerOptions _options;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, GrantState> _grants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IssuedToken> _tokens = new(StringComparer.Ordinal);
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);
    private readonly Random _random;
    private readonly LoopbackHttpServer _server;
    private int _grantCount;
    private int _sequence;
    private int _refreshCount;
    private int _reuseDetections;
    private Func<TokenExchange, CancellationToken, Task>? _onArrival;
    private Func<TokenExchange, CancellationToken, Task>? _beforeAnswer;

    private RotatingOAuthServer(RotatingOAuthServerOptions options)
    {
        _options = options;
        _random = options.Seed is { } seed ? new Random(seed) : new Random();
        _server = LoopbackHttpServer.Start(AnswerAsync, LoopbackTokenEndpoint.RejectNonTokenRequest);
        TokenUri = new Uri(_server.BaseUri, TokenPath.TrimStart('/'));
    }

    /// <summary>The token endpoint's address, <c>http://127.0.0.1:{port}/token</c>.</summary>
    public Uri TokenUri { get; }

    /// <summary>The settings the server runs with.</summary>
    public RotatingOAuthServerOptions Options => _options;

    /// <summary>The client id token requests must carry (<see cref="RotatingOAuthServerOptions.ExpectedClientId"/>).</summary>
    public string ClientId => _options.ExpectedClientId;

    /// <summary>
    /// Awaited for every token request before it is decided (see the remarks of <see cref="RotatingOAuthServer"/>);
    /// <see langword="null"/> (the default) for none. May be set at any time; a request uses the hook set when it arrives.
    /// </summary>
    public Func<TokenExchange, CancellationToken, Task>? OnArrival
    {
        get => Volatile.Read(ref _onArrival);
        set => Volatile.Write(ref _onArrival, value);
    }

    /// <summary>
    /// Awaited for every token request after it is decided and before the answer is sent, with
    /// <see cref="TokenExchange.Outcome"/> set; <see langword="null"/> (the default) for none. May be set at any time.
    /// </summary>
    public Func<TokenExchange, CancellationToken, Task>? BeforeAnswer
    {
        get => Volatile.Read(ref _beforeAnswer);
        set => Volatile.Write(ref _beforeAnswer, value);
    }

    /// <summary>Successful refreshes (HTTP 200) so far, over all grants.</summary>
    public int RefreshCount
    {
        get
        {
            lock (_gate)
            {
                return _refreshCount;
            }
        }
    }

    /// <summary>Presentations of a consumed refresh token so far, over all grants.</summary>
    public int ReuseDetections
    {
        get
        {
            lock (_gate)
            {
                return _reuseDetections;
            }
        }
    }

    /// <summary>How many HTTP requests have arrived so far (wrong paths and methods included).</summary>
    public int RequestCount => _server.RequestCount;

    /// <summary>A snapshot of every HTTP request received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedHttpRequest> Requests => _server.Requests;

    /// <summary>A snapshot of every grant, in the order they were connected.</summary>
    public IReadOnlyList<GrantStats> Grants
    {
        get
        {
            lock (_gate)
            {
                return [.. _grants.Values.OrderBy(grant => grant.Ordinal).Select(grant => grant.Snapshot())];
            }
        }
    }

    /// <summary>Starts a server on a free loopback port.</summary>
    /// <param name="options">Its settings; <see langword="null"/> for the defaults (rotation on).</param>
    public static RotatingOAuthServer Start(RotatingOAuthServerOptions? options = null) => new(options ?? new RotatingOAuthServerOptions());

    /// <summary>
    /// Plays a user's consent: creates a new grant for <paramref name="googleUserId"/> with a fresh access token and
    /// refresh token. Earlier grants of the same user stay live (Google keeps several refresh tokens per account).
    /// </summary>
    /// <param name="googleUserId">The Google account, such as <c>109876543210987654321</c>.</param>
    /// <param name="scope">The granted scope; <see cref="RotatingOAuthServerOptions.Scope"/> when <see langword="null"/>.</param>
    public Grant Connect(string googleUserId, string? scope = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(googleUserId);
        lock (_gate)
        {
            _grantCount++;
            var grant = new GrantState(
                _grantCount, "g" + _grantCount.ToString(CultureInfo.InvariantCulture), googleUserId, scope ?? _options.Scope);
            _grants.Add(grant.Id, grant);
            var accessToken = IssueLocked(grant, TokenKind.Access);
            var refreshToken = IssueLocked(grant, TokenKind.Refresh);
            grant.CurrentRefreshToken = refreshToken;
            return new Grant(grant.Id, googleUserId, accessToken, refreshToken, _options.ExpiresIn, grant.Scope);
        }
    }

    /// <summary>
    /// Revokes <paramref name="grantId"/> as a user removing the app from their Google account does: all its tokens
    /// stop working. Returns <see langword="false"/> when it was already revoked.
    /// </summary>
    /// <exception cref="ArgumentException">The server has no such grant.</exception>
    public bool Revoke(string grantId)
    {
        lock (_gate)
        {
            return RevokeLocked(FindLocked(grantId), GrantRevocationReason.RevokedByUser);
        }
    }

    /// <summary>The id of the grant that issued <paramref name="token"/> (access or refresh), or <see langword="null"/> when this server never issued it.</summary>
    public string? GrantOf(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        lock (_gate)
        {
            return _tokens.TryGetValue(token, out var issued) ? issued.GrantId : null;
        }
    }

    /// <summary>
    /// Whether <paramref name="token"/> would work now: an access token while its grant is live; a refresh token while
    /// its grant is live and it is not consumed. <see langword="false"/> for tokens this server never issued.
    /// </summary>
    public bool IsLive(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        lock (_gate)
        {
            return _tokens.TryGetValue(token, out var issued)
                && _grants[issued.GrantId].RevocationReason is null
                && (issued.Kind == TokenKind.Access || !_consumed.Contains(token));
        }
    }

    /// <summary>Whether <paramref name="refreshToken"/> has been exchanged by a rotating refresh (and so must not be presented again).</summary>
    public bool IsConsumed(string refreshToken)
    {
        ArgumentNullException.ThrowIfNull(refreshToken);
        lock (_gate)
        {
            return _consumed.Contains(refreshToken);
        }
    }

    /// <summary>Whether <paramref name="grantId"/> has been revoked (reuse detected, or <see cref="Revoke"/>).</summary>
    /// <exception cref="ArgumentException">The server has no such grant.</exception>
    public bool IsRevoked(string grantId)
    {
        lock (_gate)
        {
            return FindLocked(grantId).RevocationReason is not null;
        }
    }

    /// <summary>A snapshot of <paramref name="grantId"/>'s counts and state.</summary>
    /// <exception cref="ArgumentException">The server has no such grant.</exception>
    public GrantStats StatsOf(string grantId)
    {
        lock (_gate)
        {
            return FindLocked(grantId).Snapshot();
        }
    }

    /// <summary>Waits (bounded) until at least <paramref name="count"/> requests have arrived.</summary>
    public Task WaitForRequestsAsync(int count, TimeSpan? timeout = null) => _server.WaitForRequestsAsync(count, timeout);

    /// <summary>Stops the server: held hooks are cancelled (their requests get 503), then connections are refused.</summary>
    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task<LoopbackResponse> AnswerAsync(RecordedHttpRequest request, CancellationToken cancellationToken)
    {
        var arrival = new TokenExchange(Interlocked.Increment(ref _sequence), request, Outcome: null, GrantId: null);
        if (arrival.PresentedRefreshToken is { } presented)
        {
            arrival = arrival with { GrantId = GrantOf(presented) };
        }

        if (OnArrival is { } onArrival)
        {
            await onArrival(arrival, cancellationToken);
        }

        var (outcome, answer) = Decide(request.Form);
        if (BeforeAnswer is { } beforeAnswer)
        {
            await beforeAnswer(arrival with { Outcome = outcome }, cancellationToken);
        }

        return await answer(request, cancellationToken);
    }

    private (TokenExchangeOutcome Outcome, LoopbackResponder Answer) Decide(IReadOnlyDictionary<string, string> form)
    {
        if (!form.TryGetValue("client_id", out var clientId) || !string.Equals(clientId, _options.ExpectedClientId, StringComparison.Ordinal))
        {
            return (TokenExchangeOutcome.InvalidClient, GoogleTokenResponses.InvalidClient());
        }

        form.TryGetValue("grant_type", out var grantType);
        if (!string.Equals(grantType, "refresh_token", StringComparison.Ordinal))
        {
            return (TokenExchangeOutcome.InvalidRequest,
                GoogleTokenResponses.Error(HttpStatusCode.BadRequest, "unsupported_grant_type", $"Invalid grant_type: {grantType}"));
        }

        if (!form.TryGetValue("refresh_token", out var refreshToken) || refreshToken.Length == 0)
        {
            return (TokenExchangeOutcome.InvalidRequest,
                GoogleTokenResponses.Error(HttpStatusCode.BadRequest, "invalid_request", "Missing required parameter: refresh_token"));
        }

        lock (_gate)
        {
            if (!_tokens.TryGetValue(refreshToken, out var issued) || issued.Kind != TokenKind.Refresh)
            {
                return (TokenExchangeOutcome.UnknownToken, GoogleTokenResponses.InvalidGrant());
            }

            var grant = _grants[issued.GrantId];
            if (_consumed.Contains(refreshToken))
            {
                _reuseDetections++;
                grant.ReuseDetections++;
                RevokeLocked(grant, GrantRevocationReason.ReuseDetected);
                return (TokenExchangeOutcome.ReuseDetected, GoogleTokenResponses.InvalidGrant());
            }

            if (grant.RevocationReason is not null)
            {
                return (TokenExchangeOutcome.GrantRevoked, GoogleTokenResponses.InvalidGrant());
            }

            _refreshCount++;
            grant.Refreshes++;
            var accessToken = IssueLocked(grant, TokenKind.Access);
            string? rotated = null;
            if (_options.RotateRefreshTokens)
            {
                _consumed.Add(refreshToken);
                rotated = IssueLocked(grant, TokenKind.Refresh);
                grant.CurrentRefreshToken = rotated;
            }

            return (TokenExchangeOutcome.Refreshed,
                GoogleTokenResponses.Success(accessToken, _options.ExpiresIn, grant.Scope, rotated));
        }
    }

    private GrantState FindLocked(string grantId)
    {
        ArgumentNullException.ThrowIfNull(grantId);
        return _grants.TryGetValue(grantId, out var grant)
            ? grant
            : throw new ArgumentException($"The rotating OAuth server has no grant '{grantId}'.", nameof(grantId));
    }

    private static bool RevokeLocked(GrantState grant, GrantRevocationReason reason)
    {
        if (grant.RevocationReason is not null)
        {
            return false;
        }

        grant.RevocationReason = reason;
        grant.CurrentRefreshToken = null;
        return true;
    }

    private string IssueLocked(GrantState grant, TokenKind kind)
    {
        var number = kind == TokenKind.Access ? ++grant.AccessTokensIssued : ++grant.RefreshTokensIssued;
        Span<char> random = stackalloc char[RandomLength];
        for (var i = 0; i < random.Length; i++)
        {
            random[i] = RandomAlphabet[_random.Next(RandomAlphabet.Length)];
        }

        var prefix = kind == TokenKind.Access ? "at" : "rt";
        var token = string.Create(CultureInfo.InvariantCulture, $"{prefix}.{grant.Id}.{number}.{random}");
        _tokens.Add(token, new IssuedToken(grant.Id, kind));
        return token;
    }

    private enum TokenKind
    {
        Access,
        Refresh,
    }

    private sealed record IssuedToken(string GrantId, TokenKind Kind);

    private sealed class GrantState(int ordinal, string id, string googleUserId, string scope)
    {
        public int Ordinal { get; } = ordinal;

        public string Id { get; } = id;

        public string GoogleUserId { get; } = googleUserId;

        public string Scope { get; } = scope;

        public int Refreshes { get; set; }

        public int ReuseDetections { get; set; }

        public int AccessTokensIssued { get; set; }

        public int RefreshTokensIssued { get; set; }

        public GrantRevocationReason? RevocationReason { get; set; }

        public string? CurrentRefreshToken { get; set; }

        public GrantStats Snapshot() => new(
            Id, GoogleUserId, Refreshes, ReuseDetections, AccessTokensIssued, RefreshTokensIssued,
            RevocationReason is not null, RevocationReason, CurrentRefreshToken);
    }
}
