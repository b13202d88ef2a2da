namespace KVEdge.Core.IotHub;

/// <summary>What signs a request to IoT Hub or DPS: a SAS policy key (<see cref="SasTokenSource"/>), later Entra ID.</summary>
public interface IHubCredential
{
    /// <summary>The Authorization header's value for the next request. A credential: never logged or shown.</summary>
    ValueTask<string> AuthorizationAsync(CancellationToken ct);

    /// <summary>The service answered 401 to the last one: the next is made anew (an expired token is renewed).</summary>
    void Refused();
}
