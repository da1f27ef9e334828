using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

namespace PayPulse.OAuthSecrets.IntegrationTests.Support;

/// <summary>
/// Drives one long-running <c>Scripts/python_lambda_writer.py</c> process, which writes token bundles with boto3
/// against a moto server exactly as the PayPulse Python Lambdas do (the OAuth callback's <c>reconnect</c>, the token
/// refresh Lambda's <c>refresh</c>, and a <c>read</c>). See the script's docstring for each command and its answer.
/// </summary>
/// <remarks>
/// <para>
/// Commands go one at a time (callers are queued), each as one JSON line with an <c>"id"</c> the script echoes, and
/// each bounded by the command timeout. An answer with <c>"ok": false</c> (a boto3 error, a <c>KeyError</c> the Lambda
/// would raise, …) is returned, not thrown: the script keeps serving.
/// </para>
/// <para>
/// Thrown: <see cref="TimeoutException"/> when an answer does not come in time, and
/// <see cref="InvalidOperationException"/> when the process exits or prints something that is not an answer; both
/// carry the process's recent stderr, and the writer is unusable afterwards (the process is killed). When the
/// caller's token is cancelled, the call throws <see cref="OperationCanceledException"/> but the writer stays usable:
/// the late answer is recognised by its id and skipped.
/// </para>
/// </remarks>
public sealed class PythonLambdaWriter : IAsyncDisposable
{
    /// <summary>How long a command may take unless <see cref="StartAsync"/> is given another bound.</summary>
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long the script may take to come up (import boto3, build its client) and answer the first ping.</summary>
    public static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan _exitTimeout = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly OutputTail _stderr;
    private readonly TimeSpan _commandTimeout;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private Task<string?>? _pendingRead;
    private long _lastId;
    private string? _failure;
    private int _disposed;

    private PythonLambdaWriter(Process process, OutputTail stderr, TimeSpan commandTimeout)
    {
        _process = process;
        _stderr = stderr;
        _commandTimeout = commandTimeout;
    }

    /// <summary>The script, copied next to the test assembly.</summary>
    public static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "Scripts", "python_lambda_writer.py");

    /// <summary>The Python process's id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>
    /// The last lines the script wrote on stderr (Python tracebacks of failed commands land here). stderr is read on
    /// its own, so a line can show up a moment after the answer of the command that wrote it.
    /// </summary>
    public string RecentStderr => _stderr.ToString();

    /// <summary>
    /// Starts the script against <paramref name="motoServiceUrl"/> with dummy credentials in us-east-1 and waits until
    /// it answers a <c>ping</c> (boto3 imported, client built), within <see cref="StartupTimeout"/> whatever
    /// <paramref name="commandTimeout"/> is.
    /// </summary>
    /// <param name="motoServiceUrl">The moto server's base address.</param>
    /// <param name="commandTimeout">The bound of each command; <see cref="DefaultCommandTimeout"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="InvalidOperationException">python3 is missing, or the script did not come up (stderr included).</exception>
    public static async Task<PythonLambdaWriter> StartAsync(
        Uri motoServiceUrl, TimeSpan? commandTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(motoServiceUrl);
        var timeout = commandTimeout ?? DefaultCommandTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero, nameof(commandTimeout));
        var python = ExecutableLocator.Find("python3")
            ?? throw new InvalidOperationException("python3 (with the pip package boto3) is required for the Python Lambda writer and was not found on PATH.");
        if (!File.Exists(ScriptPath))
        {
            throw new InvalidOperationException($"The Python Lambda writer script should be copied to {ScriptPath}.");
        }

        var startInfo = new ProcessStartInfo(python)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            CreateNoWindow = true,
        };
        startInfo.ArgumentList.Add(ScriptPath);
        startInfo.ArgumentList.Add(motoServiceUrl.ToString());

        PythonEnvironment.ConfigureForMoto(startInfo);
        startInfo.Environment["PYTHONUNBUFFERED"] = "1";

        var stderr = new OutputTail(capacity: 200);
        var process = new Process { StartInfo = startInfo };
        process.ErrorDataReceived += (_, line) => stderr.Add(line.Data);
        if (!process.Start())
        {
            process.Dispose();
            throw new InvalidOperationException("python3 could not be started.");
        }

        process.BeginErrorReadLine();
        var writer = new PythonLambdaWriter(process, stderr, timeout);
        try
        {
            var pong = await writer.SendCoreAsync(new JsonObject { ["op"] = "ping" }, StartupTimeout, cancellationToken);
            if (!pong.TryGetProperty("ok", out var ok) || ok.ValueKind != JsonValueKind.True)
            {
                throw new InvalidOperationException(
                    $"{Path.GetFileName(ScriptPath)} did not answer ping with ok: {pong}{Environment.NewLine}stderr:{Environment.NewLine}{stderr}");
            }

            return writer;
        }
        catch
        {
            await writer.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Sends one command (any object that serialises to a JSON object with an <c>"op"</c>) and returns the script's
    /// answer. Waits for earlier commands first. An <c>"id"</c> property is added (and overwritten if present).
    /// </summary>
    /// <exception cref="TimeoutException">No answer within the command timeout; the writer is unusable afterwards.</exception>
    /// <exception cref="InvalidOperationException">The process is gone or broke the protocol; the writer is unusable afterwards.</exception>
    public Task<JsonElement> SendAsync(object command, CancellationToken cancellationToken = default) =>
        SendCoreAsync(command, _commandTimeout, cancellationToken);

    /// <summary>Checks that the script is alive: answers <c>{"ok":true,"op":"ping"}</c>.</summary>
    public Task<JsonElement> PingAsync(CancellationToken cancellationToken = default) =>
        SendAsync(new JsonObject { ["op"] = "ping" }, cancellationToken);

    /// <summary>
    /// The OAuth callback: stores a fresh bundle under <paramref name="secretName"/> with a plain
    /// <c>put_secret_value</c> (<c>create_secret</c> when it does not exist). With a <see langword="null"/>
    /// <paramref name="refreshToken"/> the <c>refresh_token</c> key is left out of the document.
    /// </summary>
    public Task<JsonElement> ReconnectAsync(
        string secretName,
        string accessToken,
        string? refreshToken,
        string googleUserId,
        string googleEmail,
        string googleName,
        int expiresIn = GoogleTokenResponses.DefaultExpiresIn,
        string? scope = null,
        CancellationToken cancellationToken = default)
    {
        var command = new JsonObject
        {
            ["op"] = "reconnect",
            ["secret"] = secretName,
            ["access_token"] = accessToken,
            ["refresh_token"] = refreshToken,
            ["expires_in"] = expiresIn,
            ["google_user_id"] = googleUserId,
            ["google_email"] = googleEmail,
            ["google_name"] = googleName,
        };
        if (scope is not null)
        {
            command["scope"] = scope;
        }

        return SendAsync(command, cancellationToken);
    }

    /// <summary>The OAuth callback for the tokens of <paramref name="grant"/> (see the other overload).</summary>
    public Task<JsonElement> ReconnectAsync(
        string secretName, Grant grant, string googleEmail, string googleName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return ReconnectAsync(
            secretName, grant.AccessToken, grant.RefreshToken, grant.GoogleUserId, googleEmail, googleName, grant.ExpiresIn, grant.Scope,
            cancellationToken);
    }

    /// <summary>
    /// The token refresh Lambda: reads the secret, refreshes at <paramref name="tokenUri"/> and, on 200, rewrites the
    /// whole document with <c>update_secret</c>. Answers <c>{"ok":true,"op":"refresh","status","wrote","error",…}</c>.
    /// </summary>
    public Task<JsonElement> RefreshAsync(string secretName, Uri tokenUri, string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenUri);
        return SendAsync(
            new JsonObject
            {
                ["op"] = "refresh",
                ["secret"] = secretName,
                ["token_uri"] = tokenUri.ToString(),
                ["client_id"] = clientId,
            },
            cancellationToken);
    }

    /// <summary>The token refresh Lambda against <paramref name="server"/>, with its expected client id.</summary>
    public Task<JsonElement> RefreshAsync(string secretName, RotatingOAuthServer server, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        return RefreshAsync(secretName, server.TokenUri, server.ClientId, cancellationToken);
    }

    /// <summary>
    /// Reads the secret as the Lambdas do. Answers <c>{"ok":true,"op":"read","not_found":false,"document",…,
    /// "refresh_token_key_present"}</c>, or <c>"not_found":true</c>.
    /// </summary>
    public Task<JsonElement> ReadAsync(string secretName, CancellationToken cancellationToken = default) =>
        SendAsync(new JsonObject { ["op"] = "read", ["secret"] = secretName }, cancellationToken);

    /// <summary>Closes the script's stdin (it exits at EOF) and kills it if it has not exited within a few seconds.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Already gone.
        }

        using (var exit = new CancellationTokenSource(_exitTimeout))
        {
            try
            {
                await _process.WaitForExitAsync(exit.Token);
            }
            catch (OperationCanceledException)
            {
                Kill();
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }

        _process.Dispose();
    }

    private async Task<JsonElement> SendCoreAsync(object command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (JsonSerializer.SerializeToNode(command) is not JsonObject message)
        {
            throw new ArgumentException("A command must serialise to a JSON object.", nameof(command));
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            ThrowIfFailed();
            var id = ++_lastId;
            message["id"] = id;
            var op = message["op"]?.ToString() ?? "(no op)";
            try
            {
                await _process.StandardInput.WriteLineAsync(message.ToJsonString());
                await _process.StandardInput.FlushAsync(CancellationToken.None);
            }
            catch (IOException exception)
            {
                throw Fail($"could not send '{op}': the process no longer reads its stdin", exception);
            }

            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(timeout);
            while (true)
            {
                _pendingRead ??= _process.StandardOutput.ReadLineAsync(CancellationToken.None).AsTask();
                string? line;
                try
                {
                    line = await _pendingRead.WaitAsync(bounded.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw Fail(
                        $"'{op}' got no answer within {timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s",
                        inner: null,
                        timedOut: true);
                }

                // The read finished (any answer it returned is consumed); a cancelled caller leaves it pending instead.
                _pendingRead = null;
                if (line is null)
                {
                    throw Fail($"the process ended its stdout while '{op}' waited for an answer", inner: null);
                }

                JsonElement answer;
                try
                {
                    using var document = JsonDocument.Parse(line);
                    answer = document.RootElement.Clone();
                }
                catch (JsonException exception)
                {
                    throw Fail($"'{op}' got a line that is not JSON: {line}", exception);
                }

                if (answer.ValueKind == JsonValueKind.Object
                    && answer.TryGetProperty("id", out var echoed)
                    && echoed.TryGetInt64(out var answerId))
                {
                    if (answerId < id)
                    {
                        // The late answer to a command whose caller was cancelled.
                        continue;
                    }

                    if (answerId == id)
                    {
                        return answer;
                    }
                }

                throw Fail($"'{op}' (id {id.ToString(CultureInfo.InvariantCulture)}) got an answer that is not its own: {line}", inner: null);
            }
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is not null)
        {
            throw new InvalidOperationException(
                $"The Python Lambda writer is unusable since an earlier failure: {_failure}{Environment.NewLine}stderr:{Environment.NewLine}{_stderr}");
        }
    }

    private Exception Fail(string reason, Exception? inner, bool timedOut = false)
    {
        _failure = reason;
        Kill();
        var exitCode = _process.HasExited ? _process.ExitCode.ToString(CultureInfo.InvariantCulture) : "(still running)";
        var message = $"{Path.GetFileName(ScriptPath)} (pid {_process.Id.ToString(CultureInfo.InvariantCulture)}): {reason}; "
            + $"exit code {exitCode}.{Environment.NewLine}stderr:{Environment.NewLine}{_stderr}";
        return timedOut ? new TimeoutException(message, inner) : new InvalidOperationException(message, inner);
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }
}
