using BenchmarkDotNet.Attributes;
using PayPulse.OAuthSecrets.Internal.Serialization;

namespace PayPulse.OAuthSecrets.Benchmarks;

/// <summary>BenchmarkDotNet view of the hot paths (run with: dotnet run -c Release --project tests/PayPulse.OAuthSecrets.Benchmarks -- --filter *).</summary>
[MemoryDiagnoser]
public class OAuthSecretsBenchmarks
{
    private Workloads _workloads = null!;

    [GlobalSetup]
    public void Setup() => _workloads = new Workloads();

    [GlobalCleanup]
    public void Cleanup() => _workloads.Dispose();

    [Benchmark(Description = "Parse a Python-written bundle")]
    public OAuthTokenBundle ParseBundle() => TokenBundleDocument.Parse("gmail/user/bench", Workloads.PythonBundle, "scope").Bundle;

    [Benchmark(Description = "Write a bundle as the Python side does")]
    public string WriteBundle() => _workloads.Document.ToJson();

    [Benchmark(Description = "GetSecretValue: sign, send (canned), read")]
    public async Task<string?> SignedGetSecretValue() => (await _workloads.Client.GetSecretValueAsync("gmail/user/bench")).VersionId;

    [Benchmark(Description = "IOAuthTokenStore.GetAsync (in-process store)")]
    public Task<OAuthTokenBundle?> StoreGet() => _workloads.Store.GetAsync("bench");

    [Benchmark(Description = "IGmailCredentialFactory.CreateAsync, valid token")]
    public Task<Google.Apis.Auth.OAuth2.UserCredential> CreateCredential() => _workloads.Credentials.CreateAsync("bench");
}
