using Orleans.Serialization;
using Orleans.Storage;

namespace ConvoCanvas.Silo.Persistence;

/// <summary>
/// Grain state is written in Orleans' binary format (a conversation is stored in a fraction of the
/// time the providers' default JSON takes). State written as JSON, by earlier builds or by a silo
/// configured with the default, is still read: a payload the binary reader refuses that looks like
/// JSON is read as JSON, and the next write stores it in binary.
/// </summary>
public sealed class GrainStateSerializer(Serializer serializer, OrleansJsonSerializer json) : IGrainStorageSerializer
{
    private readonly OrleansGrainStorageSerializer _binary = new(serializer);
    private readonly JsonGrainStorageSerializer _json = new(json);

    public BinaryData Serialize<T>(T? input) => _binary.Serialize(input);

    public T? Deserialize<T>(BinaryData input)
    {
        try
        {
            return _binary.Deserialize<T>(input);
        }
        catch (Exception ex) when (ex is SerializerException or InvalidOperationException or ArgumentException && LooksLikeJson(input))
        {
            return _json.Deserialize<T>(input);
        }
    }

    private static bool LooksLikeJson(BinaryData input)
    {
        var bytes = input.ToMemory().Span.TrimStart(" \t\r\n"u8);
        return bytes.Length > 1 && bytes[0] == (byte)'{';
    }
}
