using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace PayPulse.OAuthSecrets.MaintenanceSweep;

/// <summary>
/// One line per log entry: level, event id, message and, for an exception, its type and message (no stack trace): a
/// sweep over many secrets logs one line per secret it could not use, which should stay readable. The library's
/// messages never hold a token, and neither do its exceptions' messages.
/// </summary>
internal sealed class OneLineConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "one-line";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        var level = logEntry.LogLevel switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
        textWriter.Write($"{level} [{logEntry.EventId.Id}] {message}");
        if (logEntry.Exception is { } exception)
        {
            textWriter.Write($" ({exception.GetType().Name}: {exception.Message})");
        }

        textWriter.WriteLine();
    }
}
