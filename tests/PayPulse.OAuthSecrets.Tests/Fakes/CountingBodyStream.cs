using System.Text;

namespace PayPulse.OAuthSecrets.Tests.Fakes;

/// <summary>
/// A non-seekable body of <paramref name="length"/> bytes (a JSON prefix, then filler) that counts how much of it was
/// read: as content it has no Content-Length, so it goes out chunked.
/// </summary>
internal sealed class CountingBodyStream(long length, string prefix = "{\"access_token\":\"", byte filler = (byte)'a') : Stream
{
    private readonly byte[] _prefix = Encoding.ASCII.GetBytes(prefix);

    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        // At most 4 KiB per read, as a network stream would hand it out.
        var n = (int)Math.Min(Math.Min(buffer.Length, 4096), length - BytesRead);
        for (var i = 0; i < n; i++)
        {
            var position = BytesRead + i;
            buffer[i] = position < _prefix.Length ? _prefix[position] : filler;
        }

        BytesRead += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
