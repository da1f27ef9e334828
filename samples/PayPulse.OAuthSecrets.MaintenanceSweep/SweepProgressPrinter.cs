using System.Diagnostics;
using System.Globalization;
using PayPulse.OAuthSecrets.Maintenance;

namespace PayPulse.OAuthSecrets.MaintenanceSweep;

/// <summary>
/// Shows a sweep's progress: on a terminal one line, rewritten in place a few times a second; otherwise (a log file, a
/// CI job, a scheduler) a plain line every few seconds when something changed. <see cref="Report"/> only keeps the
/// latest figures (the sweep calls it after every secret); a timer prints them.
/// </summary>
internal sealed class SweepProgressPrinter : IProgress<OAuthTokenSweepProgress>, IAsyncDisposable
{
    private readonly TextWriter _output;
    private readonly bool _inPlace;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private OAuthTokenSweepProgress _latest = new(0, 0);
    private OAuthTokenSweepProgress? _printed;
    private int _lineLength;
    private bool _reported;

    public SweepProgressPrinter(TextWriter output, bool inPlace)
    {
        _output = output;
        _inPlace = inPlace;
        _loop = PrintPeriodicallyAsync(inPlace ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(1));
    }

    /// <summary>Gets the latest figures reported.</summary>
    public OAuthTokenSweepProgress Latest => Volatile.Read(ref _latest);

    public void Report(OAuthTokenSweepProgress value)
    {
        Volatile.Write(ref _latest, value);
        Volatile.Write(ref _reported, true);
    }

    /// <summary>Stops the timer and prints the latest figures once more (if any were reported), ending the line on a terminal.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        lock (_output)
        {
            Print(force: true);
            if (_inPlace && _lineLength > 0)
            {
                _output.WriteLine();
            }
        }
    }

    private async Task PrintPeriodicallyAsync(TimeSpan period)
    {
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                lock (_output)
                {
                    Print(force: false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Print(bool force)
    {
        var latest = Latest;
        if (!Volatile.Read(ref _reported) || (!force && latest == _printed))
        {
            return;
        }

        _printed = latest;
        var seconds = _clock.Elapsed.TotalSeconds;
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"Progress: {latest.Scanned} scanned, {latest.ActionsTaken} actions, {seconds:0.0} s, {(seconds > 0 ? latest.Scanned / seconds : 0):0} secrets/s");
        if (_inPlace)
        {
            _output.Write("\r" + line.PadRight(_lineLength));
            _lineLength = line.Length;
        }
        else
        {
            _output.WriteLine(line);
        }

        _output.Flush();
    }
}
