// Works the README's walk-through pipeline: coders "submit", reviewers "approve".
// Usage: dotnet run --project samples/ExampleAgent -- <server> <coder role> <reviewer role>
// (NULLTICKETS_API_TOKEN, when set, is sent as the API key.) Ctrl-C or SIGTERM releases held leases.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TaskLeaseServer.Client;

var server = new Uri(args.ElementAtOrDefault(0) ?? "http://127.0.0.1:7700");
var coder = args.ElementAtOrDefault(1) ?? "coder";
var reviewer = args.ElementAtOrDefault(2) ?? "reviewer";
var key = Environment.GetEnvironmentVariable("NULLTICKETS_API_TOKEN");

var builder = Host.CreateApplicationBuilder();
builder.Services.AddSingleton(new TaskLeaseClient(new HttpClient { BaseAddress = server }, new TaskLeaseClientOptions { ApiKey = key }));

builder.Services.AddTaskLeaseWorker(o => { o.AgentRole = coder; o.Concurrency = 4; }, async (ctx, ct) =>
{
    await ctx.AppendEventAsync("progress", new { step = "writing code", title = ctx.Task.Title }, ct);
    return WorkResult.Transition("submit", usage: new { input_tokens = 1200, output_tokens = 300 });
});

builder.Services.AddTaskLeaseWorker(o => { o.AgentRole = reviewer; o.Concurrency = 2; }, (ctx, ct) =>
{
    if (ctx.Task.Title.Contains("[broken]", StringComparison.Ordinal))
        throw new NonRetryableException("cannot review a broken task", failureKind: "bad_input");
    return Task.FromResult(WorkResult.Transition("approve"));
});

await builder.Build().RunAsync();
