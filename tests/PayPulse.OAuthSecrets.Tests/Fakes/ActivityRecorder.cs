using System.Collections.Concurrent;
using System.Diagnostics;
using PayPulse.OAuthSecrets.Diagnostics;

namespace PayPulse.OAuthSecrets.Tests.Fakes;

/// <summary>
/// Records the library's activities that belong to one test: it starts a root activity (create it in the test method
/// itself, so the root flows into the code under test) and keeps only activities of that trace.
/// </summary>
internal sealed class ActivityRecorder : IDisposable
{
    private static readonly ActivitySource TestSource = new("PayPulse.OAuthSecrets.Tests");

    private readonly ConcurrentQueue<Activity> _started = new();
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;
    private readonly Activity _root;

    public ActivityRecorder()
    {
        // Read the static first: creating the test source while the listener is being added would miss the listener.
        var testSource = TestSource;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is OAuthSecretsDiagnostics.ActivitySourceName || source == testSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = _started.Enqueue,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
        _root = testSource.StartActivity("test") ?? throw new InvalidOperationException("The test activity was not created.");
    }

    public Activity Root => _root;

    /// <summary>Gets the library's stopped activities of this test's trace, in the order they stopped.</summary>
    public IReadOnlyList<Activity> Stopped =>
        _stopped.Where(a => a.TraceId == _root.TraceId && a.Source.Name == OAuthSecretsDiagnostics.ActivitySourceName).ToList();

    /// <summary>Gets the library's activities of this test's trace that were started and never stopped.</summary>
    public IReadOnlyList<Activity> NotStopped =>
        _started.Where(a => a.TraceId == _root.TraceId && a.Source.Name == OAuthSecretsDiagnostics.ActivitySourceName)
            .Except(_stopped).ToList();

    public void Dispose()
    {
        _root.Dispose();
        _listener.Dispose();
    }
}
