using System.Text;
using System.Text.Json;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Ui;

/// <summary>One input of an action form; its value goes into the JSON body under <see cref="Name"/>.</summary>
/// <param name="Kind">text, number, select, checkbox; "path" fills {Name} in the route instead of the body</param>
public sealed record ActionField(string Name, string Label, string Kind = "text", IReadOnlyList<(string Value, string Label)>? Options = null,
    string? Value = null, bool Required = false, string? Hint = null);

/// <summary>An operator action: a button that calls one route of the public API with the form's JSON.</summary>
/// <param name="DryRun">bulk: the first press asks the API for a dry-run count, the second acts</param>
public sealed record ActionSpec(string Label, string Path, IReadOnlyList<ActionField> Fields, bool Danger = false, bool DryRun = false,
    string? Selection = null);

/// <summary>
/// Every operator action of the dashboard, in one place: the task's (requeue, cancel, pause,
/// resume), the role's (pause, resume, drain) and the bulk form. Each is a form that the page's
/// action script (assets/actions.js) sends as JSON to the public API, with the session's CSRF
/// header: the dashboard has no private endpoints, and each form shows the equivalent curl. A
/// caller without the operator scope gets no form at all. Attention lanes call <see cref="ForTask"/>.
/// </summary>
public static class Actions
{
    public const string ReasonHint = "recorded in the task's events with your key's name";

    private static ActionField Reason(bool required = true) => new("reason", "Reason", Required: required, Hint: ReasonHint);

    /// <summary>The actions that fit a task's status, as a row of collapsed forms; nothing for a caller who cannot act.</summary>
    public static void ForTask(Html h, HttpContext http, TaskRow task, PipelineDefinition? definition, long now)
    {
        if (!UiAccess.CanAct(http)) return;
        var status = TaskStatusRule.Of(task.State(now), now);
        var path = "/tasks/" + Html.Seg(task.Id);
        var list = new List<ActionSpec>();
        var worked = definition?.Stages.Where(s => s.AgentRole is not null).Select(s => (s.Name, $"{s.Name} ({s.AgentRole})")).ToList() ?? [];
        if (status != TaskStatusRule.Done && worked.Count > 0)
        {
            var stages = worked.OrderBy(s => s.Name == task.Stage ? 0 : 1).ToList();
            var fields = new List<ActionField>
            {
                new("stage", "To stage", "select", stages, task.Stage),
                new("reset_attempts", "Reset attempts", "checkbox", Value: "true"),
            };
            if (status == TaskStatusRule.Leased) fields.Add(new("force", "Take it from its agent now (revokes the lease)", "checkbox", Value: "true"));
            fields.Add(Reason());
            list.Add(new("Requeue", path + "/requeue", fields));
        }
        if (task.CanceledAtMs is null && status != TaskStatusRule.Done)
        {
            var terminals = definition?.Stages.Where(s => s.Terminal).Select(s => (s.Name, "move to " + s.Name)).ToList() ?? [];
            list.Add(new("Cancel", path + "/cancel",
                [new("stage", "Stage", "select", [("", "stay in " + task.Stage), .. terminals]), Reason()], Danger: true));
        }
        if (task.Paused) list.Add(new("Resume", path + "/resume", []));
        else if (task.CanceledAtMs is null && status != TaskStatusRule.Done)
            list.Add(new("Pause", path + "/pause", [new("revoke_lease", "Also revoke a live lease", "checkbox"), Reason()]));
        Row(h, http, list);
    }

    /// <summary>Pause or resume a role, and drain it (pause, then wait for its leases to end).</summary>
    public static void ForRole(Html h, HttpContext http, string role, bool paused)
    {
        if (!UiAccess.CanAct(http)) return;
        var path = "/ops/roles/" + Html.Seg(role);
        var list = new List<ActionSpec>();
        if (paused) list.Add(new("Resume", path + "/resume", []));
        else list.Add(new("Pause", path + "/pause", [Reason()]));
        list.Add(new("Drain", path + "/drain",
            [new("timeout_ms", "Wait at most (ms)", "number", Value: "30000", Hint: "answers when the role's leases reach 0 or at the timeout"), Reason()]));
        Row(h, http, list);
    }

    /// <summary>
    /// The bulk form of the tasks list: an action, then either the rows ticked in the table
    /// (checkboxes named <paramref name="selection"/>) or every task matching <paramref name="filter"/>
    /// (null when the page's filter has fields the bulk API cannot filter by). Counting first is a
    /// dry run of the same request.
    /// </summary>
    public static void Bulk(Html h, HttpContext http, string selection, IReadOnlyList<(string Name, string Value)>? filter, string? whyNoFilter)
    {
        if (!UiAccess.CanAct(http)) return;
        var fields = new List<ActionField>
        {
            new("action", "Action", "path", [("cancel", "cancel"), ("requeue", "requeue"), ("pause", "pause"), ("resume", "resume")], "requeue"),
            new("target", "Tasks", "target", filter is null
                ? [("ids", "the ticked rows")]
                : [("ids", "the ticked rows"), ("filter", "all matching the filter")], "ids", Hint: whyNoFilter),
            Reason(),
        };
        foreach (var (name, value) in filter ?? []) fields.Add(new("filter." + name, name, "hidden", Value: value));
        h.Raw("<section class=\"bulk\" aria-label=\"Bulk action\">");
        h.El("h2", "Bulk action");
        Form(h, http, new ActionSpec("Apply", "/tasks/bulk/{action}", fields, Danger: true, DryRun: true, Selection: selection), open: true);
        h.Raw("</section>");
    }

    private static void Row(Html h, HttpContext http, IReadOnlyList<ActionSpec> list)
    {
        if (list.Count == 0) return;
        h.Raw("<div class=\"actions\">");
        foreach (var spec in list) Form(h, http, spec, open: false);
        h.Raw("</div>");
    }

    /// <summary>One action as a disclosure: its button opens a small form (reason first), sending it calls the API.</summary>
    public static void Form(Html h, HttpContext http, ActionSpec spec, bool open)
    {
        if (!open) h.Raw(spec.Danger ? "<details class=\"action danger\">" : "<details class=\"action\">").Raw("<summary>").Text(spec.Label).Raw("</summary>");
        // method="dialog": outside a dialog, sending does nothing without the script (which sends it as JSON).
        h.Raw("<form class=\"act\" method=\"dialog\"").Attr("data-path", spec.Path);
        if (spec.DryRun) h.Raw(" data-dry-run");
        if (spec.Selection is not null) h.Attr("data-selection", spec.Selection);
        h.Raw(">");
        foreach (var field in spec.Fields) Field(h, field);
        h.Raw("<div class=\"act-row\">");
        if (spec.DryRun) h.Raw("<button type=\"submit\" data-step=\"count\">Count first</button>");
        h.Raw(spec.DryRun ? "<button type=\"submit\" data-step=\"apply\" class=\"danger\" disabled>" : spec.Danger ? "<button type=\"submit\" class=\"danger\">" : "<button type=\"submit\">")
         .Text(spec.Label).Raw("</button><output class=\"act-result\" role=\"status\" aria-live=\"polite\"></output></div>");
        h.Raw("<noscript><p class=\"muted\">Sending needs JavaScript; the call below does the same.</p></noscript>");
        h.Raw("<p class=\"curl\"><span>Same call with curl</span><code>").Text(Curl(http, spec)).Raw("</code></p></form>");
        if (!open) h.Raw("</details>");
    }

    private static void Field(Html h, ActionField f)
    {
        switch (f.Kind)
        {
            case "hidden":
                h.Raw("<input type=\"hidden\"").Attr("name", f.Name).Attr("value", f.Value).Raw(">");
                return;
            case "checkbox":
                h.Raw("<label class=\"check\"><input type=\"checkbox\" data-type=\"bool\"").Attr("name", f.Name).Raw(f.Value == "true" ? " checked>" : ">")
                 .Text(f.Label).Raw("</label>");
                return;
            case "target":
                h.Raw("<fieldset class=\"target\"><legend>").Text(f.Label).Raw("</legend>");
                foreach (var (value, label) in f.Options ?? [])
                {
                    h.Raw("<label class=\"check\"><input type=\"radio\" name=\"target\"").Attr("value", value).Raw(value == f.Value ? " checked>" : ">")
                     .Text(label).Raw("</label>");
                }
                if (f.Hint is not null) h.El("small", f.Hint, "muted");
                h.Raw("</fieldset>");
                return;
        }
        h.Raw("<label>").El("span", f.Label);
        if (f.Kind is "select" or "path")
        {
            h.Raw("<select").Attr("name", f.Name).Raw(f.Kind == "path" ? " data-type=\"path\">" : ">");
            foreach (var (value, label) in f.Options ?? [])
                h.Raw("<option").Attr("value", value).Raw(value == f.Value ? " selected>" : ">").Text(label).Raw("</option>");
            h.Raw("</select>");
        }
        else
        {
            h.Raw(f.Kind == "number" ? "<input type=\"number\" min=\"0\" data-type=\"int\"" : "<input type=\"text\" maxlength=\"500\"")
             .Attr("name", f.Name).Attr("value", f.Value).Raw(f.Required ? " required>" : ">");
        }
        if (f.Hint is not null) h.El("small", f.Hint, "muted");
        h.Raw("</label>");
    }

    /// <summary>The request the form sends by default, as a curl command (the script rewrites it as the form changes).</summary>
    public static string Curl(HttpContext http, ActionSpec spec)
    {
        var path = spec.Path;
        var body = new Dictionary<string, object?>();
        foreach (var f in spec.Fields)
        {
            if (f.Kind == "path") path = path.Replace("{" + f.Name + "}", f.Value, StringComparison.Ordinal);
            else if (f.Kind == "target") body[f.Value == "filter" ? "filter" : "ids"] = f.Value == "filter" ? new Dictionary<string, string>() : new[] { "…" };
            else if (f.Kind == "checkbox") body[f.Name] = f.Value == "true";
            else if (f.Kind == "number" && long.TryParse(f.Value, out var n)) body[f.Name] = n;
            else if (f.Name == "reason") body[f.Name] = "…";
            else if (!string.IsNullOrEmpty(f.Value) && !f.Name.Contains('.')) body[f.Name] = f.Value;
        }
        var origin = $"{http.Request.Scheme}://{http.Request.Host}";
        var sb = new StringBuilder("curl -X POST ").Append(Quote(origin + path));
        if (!UiAccess.Open(http)) sb.Append(" -H \"Authorization: Bearer $TLS_KEY\"");
        sb.Append(" -H 'Content-Type: application/json' -d ").Append(Quote(JsonSerializer.Serialize(body)));
        return sb.ToString();
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
