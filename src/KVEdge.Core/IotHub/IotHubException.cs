namespace KVEdge.Core.IotHub;

/// <summary>
/// IoT Hub or DPS refused a request: its status, its error code's name or number (from the <c>iothub-errorcode</c>
/// header or the body's <c>ErrorCode:NAME;</c>/<c>errorCode</c>), and a message made only of the method, the path and
/// that code, escaped and bounded: never the request's credential, never the body (a device's keys come back in it).
/// </summary>
public sealed class IotHubException(int status, string? errorCode, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string? ErrorCode { get; } = errorCode;
}
