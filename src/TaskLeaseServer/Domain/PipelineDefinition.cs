using System.Text.Json;

namespace TaskLeaseServer.Domain;

/// <param name="MaxConcurrent">at most this many tasks of the stage hold a live lease at once (EXTENSIONS §12); null = no limit</param>
public sealed record StageDef(string Name, string? AgentRole, bool Terminal, long? MaxConcurrent = null);

public sealed record TransitionDef(string From, string To, string Trigger, string? Instructions,
    IReadOnlyList<string> RequiredGates);

/// <summary>
/// A pipeline's state machine (CONTRACT §7.1), parsed and validated once; pipelines are immutable,
/// so a parsed definition can be cached for the life of the process.
/// </summary>
public sealed class PipelineDefinition
{
    private readonly Dictionary<string, StageDef> _stages;

    private PipelineDefinition(string initial, List<StageDef> stages, List<TransitionDef> transitions)
    {
        Initial = initial;
        Stages = stages;
        Transitions = transitions;
        _stages = new Dictionary<string, StageDef>(StringComparer.Ordinal);
        foreach (var s in stages) _stages[s.Name] = s;
    }

    public string Initial { get; }
    public IReadOnlyList<StageDef> Stages { get; }
    public IReadOnlyList<TransitionDef> Transitions { get; }

    public StageDef? Stage(string name) => _stages.GetValueOrDefault(name);
    public bool HasStage(string name) => _stages.ContainsKey(name);
    public bool IsTerminal(string name) => _stages.TryGetValue(name, out var s) && s.Terminal;
    public string? RoleOf(string name) => _stages.TryGetValue(name, out var s) ? s.AgentRole : null;

    /// <summary>The first transition in definition order leaving <paramref name="stage"/> on <paramref name="trigger"/>.</summary>
    public TransitionDef? Find(string stage, string trigger) =>
        Transitions.FirstOrDefault(t => t.From == stage && t.Trigger == trigger);

    public IEnumerable<TransitionDef> From(string stage) => Transitions.Where(t => t.From == stage);

    /// <summary>Parses and validates; the first failure wins and throws InvalidPipeline.</summary>
    public static PipelineDefinition Parse(JsonElement definition)
    {
        if (definition.ValueKind != JsonValueKind.Object) throw Invalid("definition must be a JSON object");
        var initial = RequiredString(definition, "initial", "definition.initial");
        if (!definition.TryGetProperty("states", out var statesEl) || statesEl.ValueKind != JsonValueKind.Object)
            throw Invalid("definition.states must be an object mapping stage names to state objects");
        if (!definition.TryGetProperty("transitions", out var transEl) || transEl.ValueKind != JsonValueKind.Array)
            throw Invalid("definition.transitions must be an array of transition objects");

        var stages = new List<StageDef>();
        foreach (var p in statesEl.EnumerateObject())
        {
            var s = p.Value;
            if (s.ValueKind != JsonValueKind.Object) throw Invalid($"state \"{p.Name}\" must be an object");
            var role = OptionalString(s, "agent_role", $"state \"{p.Name}\".agent_role");
            OptionalString(s, "description", $"state \"{p.Name}\".description");
            OptionalString(s, "workflow_id", $"state \"{p.Name}\".workflow_id");
            var terminal = false;
            if (s.TryGetProperty("terminal", out var t) && t.ValueKind != JsonValueKind.Null)
            {
                if (t.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    throw Invalid($"state \"{p.Name}\".terminal must be true, false or null");
                terminal = t.GetBoolean();
            }
            stages.Add(new StageDef(p.Name, role, terminal, MaxConcurrent(s, p.Name, role)));
        }

        var transitions = new List<TransitionDef>();
        var i = 0;
        foreach (var t in transEl.EnumerateArray())
        {
            var where = $"transitions[{i++}]";
            if (t.ValueKind != JsonValueKind.Object) throw Invalid($"{where} must be an object");
            var from = RequiredString(t, "from", where + ".from");
            var to = RequiredString(t, "to", where + ".to");
            var trigger = RequiredString(t, "trigger", where + ".trigger");
            var instructions = OptionalString(t, "instructions", where + ".instructions");
            var gates = new List<string>();
            if (t.TryGetProperty("required_gates", out var g) && g.ValueKind != JsonValueKind.Null)
            {
                if (g.ValueKind != JsonValueKind.Array) throw Invalid($"{where}.required_gates must be an array of strings");
                foreach (var gate in g.EnumerateArray())
                {
                    if (gate.ValueKind != JsonValueKind.String) throw Invalid($"{where}.required_gates must contain only strings");
                    gates.Add(gate.GetString()!);
                }
            }
            transitions.Add(new TransitionDef(from, to, trigger, instructions, gates));
        }

        var def = new PipelineDefinition(initial, stages, transitions);
        def.Validate();
        return def;
    }

    private void Validate()
    {
        if (Initial.Length == 0) throw Invalid("definition.initial must not be empty");
        if (Stages.Count == 0) throw Invalid("definition.states must not be empty");
        if (Transitions.Count == 0) throw Invalid("definition.transitions must not be empty");
        if (!HasStage(Initial)) throw Invalid($"definition.initial \"{Initial}\" is not one of the states");
        foreach (var t in Transitions)
        {
            if (!HasStage(t.From)) throw Invalid($"transition from \"{t.From}\" names an unknown state");
            if (!HasStage(t.To)) throw Invalid($"transition to \"{t.To}\" names an unknown state");
        }
        if (!Stages.Any(s => s.Terminal)) throw Invalid("at least one state must have \"terminal\": true");
        foreach (var s in Stages)
        {
            if (!s.Terminal && !Transitions.Any(t => t.From == s.Name))
                throw Invalid($"state \"{s.Name}\" is not terminal but has no outgoing transition");
        }
    }

    /// <summary>An integer ≥ 1 on a stage some role works, or absent/null.</summary>
    private static long? MaxConcurrent(JsonElement state, string stage, string? role)
    {
        if (!state.TryGetProperty("max_concurrent", out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var limit) || limit < 1)
            throw Invalid($"state \"{stage}\".max_concurrent must be an integer of at least 1 (got {v.GetRawText()}); leave it out for no limit");
        if (role is null)
            throw Invalid($"state \"{stage}\".max_concurrent needs an agent_role on the state: nobody claims a stage without one");
        return limit;
    }

    private static DomainError Invalid(string message) => new(Fault.InvalidPipeline, "invalid pipeline definition: " + message);

    private static string RequiredString(JsonElement obj, string name, string where)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.String)
            throw Invalid($"{where} is required and must be a string");
        return v.GetString()!;
    }

    private static string? OptionalString(JsonElement obj, string name, string where)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.String) throw Invalid($"{where} must be a string or null");
        return v.GetString();
    }
}
