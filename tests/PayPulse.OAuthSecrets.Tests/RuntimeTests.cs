using System.Runtime.InteropServices;

namespace PayPulse.OAuthSecrets.Tests;

public sealed class RuntimeTests
{
    [Fact]
    public void TestLeg_RunsOnTheRuntimeItTargets()
    {
        // The net8.0 leg is self-contained so that it runs on a real .NET 8 runtime, as on Lambda's dotnet8,
        // rather than rolling forward to the newer runtime installed on the machine.
#if NET10_0
        const int expectedMajor = 10;
#else
        const int expectedMajor = 8;
#endif
        Environment.Version.Major.Should().Be(expectedMajor, RuntimeInformation.FrameworkDescription);
    }
}
