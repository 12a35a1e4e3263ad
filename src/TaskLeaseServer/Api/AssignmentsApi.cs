using Microsoft.AspNetCore.Mvc;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

internal static class AssignmentsApi
{
    public static void MapAssignments(this IEndpointRouteBuilder app)
    {
        var assignments = app.MapResource("/tasks/{id}/assignments");
        assignments.MapPost("", Assign).Accepts<AssignmentCreateRequest>().Answers<StatusResponse>(201).Errors(400, 404);
        assignments.MapGet("", List).Answers<List<Assignment>>();
        assignments.MapDelete("/{agent_id}", Unassign).Answers<StatusResponse>().Errors(404);
    }

    private static Task<Reply> Assign(string id, HttpContext http, Writes writes)
    {
        var body = JsonBody.Parse(RequestBody.Of(http));
        var agent = body.RequiredString("agent_id");
        var by = body.OptionalString("assigned_by");
        return writes.Run(http, unit =>
        {
            Creation.Assignment(unit, id, agent, by);
            return Reply.Created(new StatusResponse("assigned"), WireJson.Wire.StatusResponse);
        });
    }

    private static Reply List(string id, IReads reads) =>
        Reply.Ok(reads.Assignments(id).Select(a => a.ToWire()).ToList(), WireJson.Wire.ListAssignment);

    private static Task<Reply> Unassign(string id, [FromRoute(Name = "agent_id")] string agentId, HttpContext http, Writes writes) =>
        writes.Run(http, unit =>
        {
            Creation.Unassignment(unit, id, agentId);
            return Reply.Ok(new StatusResponse("unassigned"), WireJson.Wire.StatusResponse);
        });
}
