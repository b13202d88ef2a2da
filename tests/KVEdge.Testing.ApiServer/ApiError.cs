using System.Net;
using System.Text.Json.Nodes;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// A failed request, answered with a metav1.Status body as the API server does
/// (https://kubernetes.io/docs/reference/using-api/api-concepts/#api-verbs, "Status" responses).
/// </summary>
public sealed class ApiError(HttpStatusCode code, string reason, string message, IReadOnlyList<(string Reason, string Message, string Field)>? causes = null)
    : Exception(message)
{
    public HttpStatusCode Code { get; } = code;

    public string Reason { get; } = reason;

    public IReadOnlyList<(string Reason, string Message, string Field)> Causes { get; } = causes ?? [];

    public JsonObject ToStatus(ResourceType? type = null, string? name = null)
    {
        var details = new JsonObject();
        if (name is not null)
        {
            details["name"] = name;
        }

        if (type is not null)
        {
            details["group"] = type.Group;
            details["kind"] = type.Plural;
        }

        if (Causes.Count > 0)
        {
            details["causes"] = new JsonArray(Causes.Select(c => (JsonNode)new JsonObject { ["reason"] = c.Reason, ["message"] = c.Message, ["field"] = c.Field }).ToArray());
        }

        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
            ["details"] = details,
            ["code"] = (int)Code,
        };
    }

    public static ApiError NotFound(ResourceType type, string name) =>
        new(HttpStatusCode.NotFound, "NotFound", $"{type.Key} \"{name}\" not found");

    public static ApiError AlreadyExists(ResourceType type, string name) =>
        new(HttpStatusCode.Conflict, "AlreadyExists", $"{type.Key} \"{name}\" already exists");

    public static ApiError Conflict(ResourceType type, string name) =>
        new(HttpStatusCode.Conflict, "Conflict", $"Operation cannot be fulfilled on {type.Key} \"{name}\": the object has been modified; please apply your changes to the latest version and try again");

    public static ApiError BadRequest(string message) => new(HttpStatusCode.BadRequest, "BadRequest", message);

    public static ApiError Invalid(ResourceType type, string name, IReadOnlyList<(string Reason, string Message, string Field)> causes) =>
        new(HttpStatusCode.UnprocessableEntity, "Invalid",
            $"{type.Kind}.{(type.Group.Length == 0 ? "core" : type.Group)} \"{name}\" is invalid: {string.Join(", ", causes.Select(c => $"{c.Field}: {c.Message}"))}", causes);
}
