using PayPulse.OAuthSecrets.Internal.Serialization;

namespace PayPulse.OAuthSecrets.Tests.Serialization;

public sealed class PythonTimestampTests
{
    [Theory]
    [InlineData(1_234_567, "2026-11-25T05:03:04.123456")]
    [InlineData(10, "2026-11-25T05:03:04.000001")]
    [InlineData(9, "2026-11-25T05:03:04")]
    [InlineData(0, "2026-11-25T05:03:04")]
    [InlineData(5_000_000, "2026-11-25T05:03:04.500000")]
    public void Format_WritesWhatPythonIsoformatWrites(long ticks, string expected)
    {
        PythonTimestamp.Format(new DateTimeOffset(2026, 11, 25, 5, 3, 4, TimeSpan.Zero).AddTicks(ticks)).Should().Be(expected);
    }

    [Fact]
    public void Format_ConvertsOffsetsToNaiveUtc()
    {
        PythonTimestamp.Format(new DateTimeOffset(2026, 11, 25, 7, 3, 4, TimeSpan.FromHours(2))).Should().Be("2026-11-25T05:03:04");
    }

    [Theory]
    [InlineData("2026-11-25T05:03:04.123456")]
    [InlineData("2026-11-25T05:03:04.123456Z")]
    [InlineData("2026-11-25T05:03:04.123456+00:00")]
    [InlineData("2026-11-25T07:03:04.123456+02:00")]
    [InlineData("2026-11-25 05:03:04.123456")]
    [InlineData("2026-11-25T05:03:04.1234560")]
    public void TryParse_ReadsEveryFormAsUtc(string text)
    {
        PythonTimestamp.TryParse(text, out var value).Should().BeTrue();

        value.Should().Be(new DateTimeOffset(2026, 11, 25, 5, 3, 4, TimeSpan.Zero).AddTicks(1_234_560));
        value.Offset.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void TryParse_WithoutFraction_IsWholeSeconds()
    {
        PythonTimestamp.TryParse("2026-11-25T05:03:04", out var value).Should().BeTrue();

        value.Should().Be(new DateTimeOffset(2026, 11, 25, 5, 3, 4, TimeSpan.Zero));
    }

    [Theory]
    [InlineData("")]
    [InlineData("2026-11-25")]
    [InlineData("tomorrow at noon")]
    [InlineData("1767225600")]
    [InlineData("2026-13-25T05:03:04")]
    [InlineData("2026-11-25 05:03:04 PM")]
    [InlineData("2026-11-25T05:03:04,123")]
    [InlineData("2026-11-25T05:03:04.1234567890")]
    [InlineData("25/11/2026 05:03:04")]
    public void TryParse_RejectsWhatIsNotADateTime(string text)
    {
        PythonTimestamp.TryParse(text, out _).Should().BeFalse();
    }
}
