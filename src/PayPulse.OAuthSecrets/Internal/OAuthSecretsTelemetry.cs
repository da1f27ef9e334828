using System.Diagnostics;
using System.Diagnostics.Metrics;
using PayPulse.OAuthSecrets.Diagnostics;

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>
/// The library's metrics (from <see cref="IMeterFactory"/>) and activities; see <see cref="OAuthSecretsDiagnostics"/>
/// for what is published. Tags name operations, outcomes, error types and user ids, never token values.
/// </summary>
internal sealed class OAuthSecretsTelemetry
{
    public const string OperationTag = "paypulse.oauth_secrets.operation";
    public const string RefreshOutcomeTag = "paypulse.oauth_secrets.refresh.outcome";
    public const string ErrorTypeTag = "error.type";
    public const string UserIdTag = "paypulse.user_id";
    public const string StoreDurationName = "paypulse.oauth_secrets.store.duration";
    public const string RefreshesName = "paypulse.oauth_secrets.token.refreshes";
    public const string WriteBackOutcomeTag = "paypulse.oauth_secrets.write_back.outcome";
    public const string WriteBacksName = "paypulse.oauth_secrets.token.write_backs";

    /// <summary>
    /// Gets the histogram boundaries advised for the duration (seconds, as OpenTelemetry's HTTP durations; the SDK's
    /// default boundaries are sized for milliseconds). Advice (<c>InstrumentAdvice</c>) came with .NET 9, so only the
    /// net10.0 build sets it; apps on .NET 8 and .NET 9 run the net8.0 build and configure a view with these.
    /// </summary>
    public static IReadOnlyList<double> DurationBuckets { get; } = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30];

    // Google's OAuth error codes (RFC 6749 and Google's additions) and the library's own: anything else a token
    // endpoint sends is reported as "_OTHER", so a tag never takes arbitrary values.
    private static readonly HashSet<string> KnownRefreshErrorCodes = new(StringComparer.Ordinal)
    {
        "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
        "invalid_scope", "access_denied", "server_error", "temporarily_unavailable", "rate_limit_exceeded",
        "timeout", "network_error", "unexpected_error", "invalid_response", "empty_response",
        "missing_refresh_token", "redirect",
    };

    private readonly Histogram<double>? _storeDuration;
    private readonly Counter<long>? _refreshes;
    private readonly Counter<long>? _writeBacks;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>; with none, only activities.</summary>
    public OAuthSecretsTelemetry(IMeterFactory? meterFactory)
    {
        if (meterFactory is null)
        {
            return;
        }

        var meter = meterFactory.Create(new MeterOptions(OAuthSecretsDiagnostics.MeterName) { Version = LibraryInfo.Version });
#if NET9_0_OR_GREATER
        _storeDuration = meter.CreateHistogram(
            StoreDurationName,
            "s",
            "Duration of token store operations, Secrets Manager retries included.",
            tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
#else
        _storeDuration = meter.CreateHistogram<double>(
            StoreDurationName, "s", "Duration of token store operations, Secrets Manager retries included.");
#endif
        _refreshes = meter.CreateCounter<long>(
            RefreshesName, "{refresh}", "Token refreshes run for Gmail credentials, by outcome.");
        _writeBacks = meter.CreateCounter<long>(
            WriteBacksName, "{write_back}", "Conditional write-backs of refreshed tokens, by outcome.");
    }

    /// <summary>Gets telemetry with activities only, for code built without a container.</summary>
    public static OAuthSecretsTelemetry ActivitiesOnly { get; } = new(null);

    public static ActivitySource ActivitySource { get; } = new(OAuthSecretsDiagnostics.ActivitySourceName, LibraryInfo.Version);

    /// <summary>The token store calls that are timed and traced.</summary>
    public enum StoreCall
    {
        Get,
        Store,
        Update,
        Delete,
    }

    /// <summary>Starts timing (and tracing) one token store call; end it with exactly one of its methods.</summary>
    public StoreOperation StartStoreOperation(StoreCall call, string userId, TimeProvider timeProvider)
    {
        var (activityName, operation) = call switch
        {
            StoreCall.Get => ("OAuthTokenStore.Get", "get"),
            StoreCall.Store => ("OAuthTokenStore.Store", "store"),
            StoreCall.Update => ("OAuthTokenStore.Update", "update"),
            _ => ("OAuthTokenStore.Delete", "delete"),
        };
        return new StoreOperation(this, operation, StartActivity(activityName, userId), timeProvider);
    }

    /// <summary>
    /// Counts one refresh write-back: <c>written</c>, <c>merged</c> (after a conflict with the same grant),
    /// <c>superseded</c> (another grant is stored; nothing written) or, with <paramref name="failure"/>, <c>failed</c>.
    /// </summary>
    public void CountWriteBack(WriteBackOutcome? outcome, Exception? failure)
    {
        if (_writeBacks is not { Enabled: true } counter)
        {
            return;
        }

        var tags = new TagList
        {
            {
                WriteBackOutcomeTag, outcome switch
                {
                    WriteBackOutcome.Written => "written",
                    WriteBackOutcome.Merged => "merged",
                    WriteBackOutcome.Superseded => "superseded",
                    _ => "failed",
                }
            },
        };
        if (failure is not null)
        {
            tags.Add(ErrorTypeTag, failure.GetType().FullName ?? failure.GetType().Name);
        }

        counter.Add(1, tags);
    }

    /// <summary>Starts tracing one shared refresh; end it with exactly one of its methods.</summary>
    public RefreshOperation StartRefresh(string userId) => new(this, StartActivity("GmailCredential.Refresh", userId));

    private static Activity? StartActivity(string name, string userId)
    {
        var activity = ActivitySource.StartActivity(name, ActivityKind.Internal);
        activity?.SetTag(UserIdTag, userId);
        return activity;
    }

    private static void Fail(Activity? activity, string errorType)
    {
        if (activity is not null)
        {
            activity.SetTag(ErrorTypeTag, errorType);
            activity.SetStatus(ActivityStatusCode.Error, errorType);
            activity.Dispose();
        }
    }

    /// <summary>One token store call being timed.</summary>
    internal readonly struct StoreOperation(OAuthSecretsTelemetry telemetry, string operation, Activity? activity, TimeProvider timeProvider)
    {
        private readonly long _started = timeProvider.GetTimestamp();

        public void Succeeded()
        {
            Record(null);
            activity?.Dispose();
        }

        public void Failed(Exception exception)
        {
            var errorType = exception.GetType().FullName ?? exception.GetType().Name;
            Record(errorType);
            Fail(activity, errorType);
        }

        private void Record(string? errorType)
        {
            if (telemetry._storeDuration is not { Enabled: true } histogram)
            {
                return;
            }

            var tags = new TagList { { OperationTag, operation } };
            if (errorType is not null)
            {
                tags.Add(ErrorTypeTag, errorType);
            }

            histogram.Record(timeProvider.GetElapsedTime(_started).TotalSeconds, tags);
        }
    }

    /// <summary>One shared refresh being counted.</summary>
    internal readonly struct RefreshOperation(OAuthSecretsTelemetry telemetry, Activity? activity)
    {
        public void Succeeded(bool calledGoogle)
        {
            Count(calledGoogle ? "refreshed" : "already_refreshed", null);
            activity?.Dispose();
        }

        public void Failed(Exception exception)
        {
            var errorType = exception switch
            {
                OAuthTokenRevokedException => "invalid_grant",
                OAuthTokenRefreshException { ErrorCode: { } code } => KnownRefreshErrorCodes.Contains(code) ? code : "_OTHER",
                _ => exception.GetType().FullName ?? exception.GetType().Name,
            };
            Count(exception is OAuthTokenRevokedException ? "revoked" : "failed", errorType);
            Fail(activity, errorType);
        }

        private void Count(string outcome, string? errorType)
        {
            if (telemetry._refreshes is not { Enabled: true } counter)
            {
                return;
            }

            var tags = new TagList { { RefreshOutcomeTag, outcome } };
            if (errorType is not null)
            {
                tags.Add(ErrorTypeTag, errorType);
            }

            counter.Add(1, tags);
        }
    }
}
