using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using PayPulse.OAuthSecrets.Benchmarks;
using PayPulse.OAuthSecrets.Internal.Serialization;

// Ways to measure the library's hot paths:
//   --check    a measuring program: runs each path many times and fails (exit 1) when one misses its target
//              for time per call or bytes allocated per call. Time targets are ratios to a baseline workload
//              (System.Text.Json reading the same bundle) timed in blocks that alternate with the path's, so a loaded
//              machine slows both alike; allocation targets are absolute and tight, since they do not vary;
//   --calls    a measuring program: the Secrets Manager calls of each operation, path by path (a Markdown table);
//   --sweep    a measuring program: IOAuthTokenMaintenance.SweepAsync over 2,000 demo users (`--users N`) on moto and
//              on the in-process store: dry runs at MaxConcurrency 1, 8, 32 and real runs at write budgets of 5 and
//              40 a second, with the writes a second observed (a Markdown table); see SweepThroughput;
//   --startup  a measuring program: process start to the first GetAsync done, against python3 + boto3 on one moto,
//              as JIT, ReadyToRun and Native AOT, interleaved (`--rounds N`, default 10); see StartupTimes;
//   otherwise  BenchmarkDotNet (pass its arguments, e.g. --filter * --job short).
if (args.Length > 0 && args[0] == "--calls")
{
    return await CallCounts.RunAsync();
}

if (args.Length > 0 && args[0] == "--sweep")
{
    return await SweepThroughput.RunAsync(args);
}

if (args.Length > 0 && args[0] == "--startup")
{
    return await StartupTimes.RunAsync(args);
}

if (args.Length > 0 && args[0] == "--check")
{
    using var workloads = new Workloads();
    Console.WriteLine($"Baseline: {Workloads.BaselineDescription}; load {MachineFacts.LoadAverage()}.");

    // The baseline runs before every path; optimize it fully first, so the first path is not judged against a slower one.
    _ = CallsPerBlock(() => Workloads.Baseline(), TimeSpan.FromMilliseconds(0.5), warmupSeconds: 3);
    var failed = 0;
    failed += Check("Parse a Python-written bundle", 40, 8_192, () =>
    {
        _ = TokenBundleDocument.Parse("gmail/user/bench", Workloads.PythonBundle, "scope");
        return Task.CompletedTask;
    });
    failed += Check("Write a bundle", 6, 8_192, () =>
    {
        _ = workloads.Document.ToJson();
        return Task.CompletedTask;
    });
    failed += Check("GetSecretValue: sign, send (canned), read", 100, 24_576, () => workloads.Client.GetSecretValueAsync("gmail/user/bench"));
    failed += Check("IOAuthTokenStore.GetAsync (in-process store)", 2, 4_096, () => workloads.Store.GetAsync("bench"));
    failed += Check("IGmailCredentialFactory.CreateAsync, valid token", 3, 8_192, () => workloads.Credentials.CreateAsync("bench"));
    Console.WriteLine($"Load afterwards: {MachineFacts.LoadAverage()}.");
    Console.WriteLine(failed == 0 ? "All targets met." : $"{failed} target(s) missed.");
    return failed == 0 ? 0 : 1;
}

BenchmarkSwitcher.FromAssembly(typeof(OAuthSecretsBenchmarks).Assembly).Run(args);
return 0;

// Time is judged against a baseline measured in the same run: short blocks of the baseline and of the path alternate
// (each about half a millisecond, so that both sides are equally likely to be interrupted), and each side's time per call
// is its fastest block, the one least disturbed by other processes. The target is the path's time over the baseline's.
// Allocations do not vary with load: their targets stay absolute.
static int Check(string name, double targetRatio, long targetBytes, Func<Task> action)
{
    const int pairs = 400;
    var blockTime = TimeSpan.FromMilliseconds(0.5);

    // Warm up for a while rather than a number of calls, so that tiered compilation has optimized both sides, and
    // size each side's block from its warmed-up speed.
    var pathCalls = CallsPerBlock(() => action().GetAwaiter().GetResult(), blockTime);
    var baselineCalls = CallsPerBlock(() => Workloads.Baseline(), blockTime);

    var pathMicros = double.MaxValue;
    var baselineMicros = double.MaxValue;
    long bytes = 0;
    var clock = new Stopwatch();
    for (var pair = 0; pair < pairs; pair++)
    {
        for (var side = 0; side < 2; side++)
        {
            if ((side == 0) == (pair % 2 == 0))
            {
                clock.Restart();
                for (var i = 0; i < baselineCalls; i++)
                {
                    Workloads.Baseline();
                }

                baselineMicros = Math.Min(baselineMicros, clock.Elapsed.TotalMicroseconds / baselineCalls);
            }
            else
            {
                var bytesBefore = GC.GetAllocatedBytesForCurrentThread();
                clock.Restart();
                for (var i = 0; i < pathCalls; i++)
                {
                    action().GetAwaiter().GetResult();
                }

                pathMicros = Math.Min(pathMicros, clock.Elapsed.TotalMicroseconds / pathCalls);
                bytes = Math.Max(bytes, (GC.GetAllocatedBytesForCurrentThread() - bytesBefore) / pathCalls);
            }
        }
    }

    var ratio = pathMicros / baselineMicros;
    var ok = ratio <= targetRatio && bytes <= targetBytes;
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"{(ok ? "ok  " : "MISS")} {name}: {pathMicros,7:0.00} µs/call = {ratio,5:0.00}× the baseline's {baselineMicros:0.00} µs (target {targetRatio}×), {bytes,6} B/call (target {targetBytes} B)"));
    return ok ? 0 : 1;
}

static int CallsPerBlock(Action call, TimeSpan blockTime, double warmupSeconds = 1)
{
    var clock = Stopwatch.StartNew();
    var calls = 0;
    while (calls < 2_000 || clock.Elapsed.TotalSeconds < warmupSeconds)
    {
        call();
        calls++;
    }

    // The last tenth of the warm-up, fully optimized by now, sets the speed.
    var tail = Math.Max(calls / 10, 100);
    clock.Restart();
    for (var i = 0; i < tail; i++)
    {
        call();
    }

    return (int)Math.Clamp(blockTime / (clock.Elapsed / tail), 1, 100_000);
}
