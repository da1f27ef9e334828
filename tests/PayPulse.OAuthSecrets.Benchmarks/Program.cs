using System.Diagnostics;
using BenchmarkDotNet.Running;
using PayPulse.OAuthSecrets.Benchmarks;
using PayPulse.OAuthSecrets.Internal.Serialization;

// Two ways to measure the library's hot paths:
//   --check    a measuring program: runs each path many times and fails (exit 1) when one misses its target
//              for time per call or bytes allocated per call. Time targets leave room for a busy 2-core machine
//              (BenchmarkDotNet measures 4-30 µs); allocation targets are tight, since they do not vary;
//   --calls    a measuring program: the Secrets Manager calls of each operation, path by path (a Markdown table);
//   otherwise  BenchmarkDotNet (pass its arguments, e.g. --filter * --job short).
if (args.Length > 0 && args[0] == "--calls")
{
    return await CallCounts.RunAsync();
}

if (args.Length > 0 && args[0] == "--check")
{
    using var workloads = new Workloads();
    var failed = 0;
    failed += Check("Parse a Python-written bundle", 50, 8_192, () =>
    {
        _ = TokenBundleDocument.Parse("gmail/user/bench", Workloads.PythonBundle, "scope");
        return Task.CompletedTask;
    });
    failed += Check("Write a bundle", 25, 8_192, () =>
    {
        _ = workloads.Document.ToJson();
        return Task.CompletedTask;
    });
    failed += Check("GetSecretValue: sign, send (canned), read", 300, 24_576, () => workloads.Client.GetSecretValueAsync("gmail/user/bench"));
    failed += Check("IOAuthTokenStore.GetAsync (in-process store)", 50, 4_096, () => workloads.Store.GetAsync("bench"));
    failed += Check("IGmailCredentialFactory.CreateAsync, valid token", 100, 8_192, () => workloads.Credentials.CreateAsync("bench"));
    Console.WriteLine(failed == 0 ? "All targets met." : $"{failed} target(s) missed.");
    return failed == 0 ? 0 : 1;
}

BenchmarkSwitcher.FromAssembly(typeof(OAuthSecretsBenchmarks).Assembly).Run(args);
return 0;

static int Check(string name, double targetMicroseconds, long targetBytes, Func<Task> action)
{
    const int warmup = 2_000;
    const int iterations = 20_000;
    for (var i = 0; i < warmup; i++)
    {
        action().GetAwaiter().GetResult();
    }

    var bytesBefore = GC.GetAllocatedBytesForCurrentThread();
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < iterations; i++)
    {
        action().GetAwaiter().GetResult();
    }

    clock.Stop();
    var micros = clock.Elapsed.TotalMicroseconds / iterations;
    var bytes = (GC.GetAllocatedBytesForCurrentThread() - bytesBefore) / iterations;
    var ok = micros <= targetMicroseconds && bytes <= targetBytes;
    Console.WriteLine($"{(ok ? "ok  " : "MISS")} {name}: {micros,8:0.00} µs/call (target {targetMicroseconds} µs), {bytes,7} B/call (target {targetBytes} B)");
    return ok ? 0 : 1;
}
