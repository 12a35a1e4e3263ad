using TaskLeaseServer.Api;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Hosting;
using TaskLeaseServer.Telemetry;
using TaskLeaseServer.Ui;

// Configuration: CLI flags, config file, defaults (CONTRACT §9).
var startup = CommandLine.Parse(args, Environment.GetEnvironmentVariable);
if (startup.Options is not { } options)
{
    if (startup.Output is not null) Console.WriteLine(startup.Output);
    if (startup.Error is not null) Console.Error.WriteLine(startup.Error);
    return startup.ExitCode;
}

// No configuration reload: its file watcher on the working directory woke for every write to a
// database kept there (issue 5), and nothing here is configured from appsettings at run time.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
builder.AddServerLogging(options);      // Serilog to the console, text or compact JSON
builder.AddServerHosting(options);      // Kestrel on --host:--port, the clock
builder.AddServerTelemetry();           // own traces and metrics, exported only when OTEL_* names an endpoint
builder.Services.AddStorage();          // the storage engine --db names, its writer and readers
builder.Services.AddBackgroundWork();   // the lease sweeper
builder.Services.AddApi();              // API token, idempotency, writes
builder.Services.AddOpenApiDocs();      // OpenAPI 3.1 document generated from the routes

var app = builder.Build();
if (app.OpenDatabase() is { } failed) return failed;   // exit 1: cannot open or migrate; 2: held by another server

app.ObserveStorage();
app.AnswerWaitersOnStop();
app.UseServerLogging();
app.UseContractHttp();                  // envelope, path rules, API token, 404s, body limits

app.MapOpenApiDocs();
app.MapIndex();
app.MapHealth();
app.MapPipelines();
app.MapTasks();
app.MapDependencies();
app.MapOperators();
app.MapAssignments();
app.MapLeases();
app.MapRuns();
app.MapHistory();
app.MapStreams();
app.MapArtifacts();
app.MapOps();
app.MapKeys();
app.MapRoles();
app.MapStore();
app.MapOtlp();
app.MapSpans();
app.MapUi();                            // the operator dashboard at /ui

return await app.ServeAsync();               // until SIGTERM / Ctrl-C; exit 2 when the port is taken

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
