using System.Text.Json;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;
using static TaskLeaseServer.Ui.Layout;

namespace TaskLeaseServer.Ui.Pages;

/// <summary>Every pipeline, and one pipeline's state machine drawn as SVG with its task count per stage.</summary>
public static class PipelinesPage
{
    public static IResult List(HttpContext http, IReads reads) => Page(http, "Pipelines", "/ui/pipelines", h =>
        Table(h, ["Name", "Stages", "Created"], reads.Pipelines(), (h, p) =>
        {
            h.Raw("<td>").Link("/ui/pipelines/" + Html.Seg(p.Id), p.Name.Length == 0 ? "(unnamed)" : p.Name).Raw("</td>");
            Cell(h, string.Join(" → ", Definitions.Of(p).Stages.Select(s => s.Name)));
            Cell(h, Time(p.CreatedAtMs));
        }, "No pipelines yet: create one with POST /pipelines."));

    public static IResult One(HttpContext http, string id, IReads reads)
    {
        var pipeline = reads.Pipeline(id);
        var definition = pipeline is null ? null : Definitions.Of(pipeline);
        if (pipeline is null || definition is null)
            return Page(http, "No such pipeline", "/ui/pipelines", h => h.El("p", $"There is no pipeline {id}."), 404);
        var counts = reads.StageCounts(id, [.. definition.Stages.Select(s => s.Name)], StateGraph.CountCap);
        return Page(http, pipeline.Name.Length == 0 ? "(unnamed pipeline)" : pipeline.Name, "/ui/pipelines", h =>
        {
            h.Raw("<figure class=\"graph\">");
            StateGraph.Draw(h, definition, counts, current: null);
            h.Raw("<figcaption>States and transitions, with the number of tasks in each stage.</figcaption></figure>");
            h.El("h2", "Stages");
            Table(h, ["Stage", "Role", "Terminal", "Tasks"], definition.Stages, (h, s) =>
            {
                h.Raw("<td>").Link(Html.Url("/ui/tasks", ("pipeline_id", id), ("stage", s.Name)), s.Name).Raw("</td>");
                Cell(h, s.AgentRole ?? "—");
                Cell(h, s.Terminal ? "yes" : "no");
                Cell(h, StateGraph.CountText(counts, s.Name));
            }, "");
            h.El("h2", "Definition");
            h.El("pre", JsonSerializer.Serialize(JsonDocument.Parse(pipeline.DefinitionJson).RootElement, new JsonSerializerOptions { WriteIndented = true }), "json");
        });
    }
}
