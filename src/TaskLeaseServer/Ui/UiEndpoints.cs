using System.Reflection;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Hosting;
using TaskLeaseServer.Ui.Pages;

namespace TaskLeaseServer.Ui;

/// <summary>
/// The operator dashboard under /ui: server-rendered pages over the same reads as the API, two
/// embedded assets, nothing from elsewhere. Not part of the JSON API, so not in /openapi.json.
/// </summary>
public static class UiEndpoints
{
    public static void MapUi(this WebApplication app)
    {
        var ui = app.MapGroup("/ui").ExcludeFromDescription().AddEndpointFilter(UiGate.Filter);
        ui.MapGet("", OverviewPage.Render).Open();
        ui.MapGet("/attention", AttentionPage.Render).Open();
        ui.MapGet("/attention/{lane}", AttentionPage.Lane).Open();
        ui.MapGet("/tasks", TasksPage.Render).Open();
        ui.MapGet("/tasks/{id}", TaskPage.Render).Open();
        ui.MapGet("/pipelines", PipelinesPage.List).Open();
        ui.MapGet("/pipelines/{id}", PipelinesPage.One).Open();
        ui.MapGet("/runs/{id}", RunPage.Render).Open();
        ui.MapGet("/roles", RolesPage.Render).Open();
        ui.MapGet("/agents", AgentsPage.Render).Open();
        ui.MapGet("/keys", KeysPage.Render).Open(); // an admin's page: the sign-in's scope check gates it
        ui.MapGet("/store", StorePage.Render).Open();
        ui.MapGet("/about", AboutPage.Render).Open();
        ui.MapGet("/assets/{name}", Asset).Open();
        ui.MapGet("/sign-in", SignInPage.Form).Open();
        ui.MapPost("/sign-in", SignInPage.SignIn).Open();
        ui.MapPost("/sign-out", SignInPage.SignOut).Open();
    }

    private static readonly Dictionary<string, (string Type, byte[] Bytes)> Assets = Load();

    private static IResult Asset(HttpContext http, string name)
    {
        if (!Assets.TryGetValue(name, out var asset)) return Results.NotFound();
        Layout.SecurityHeaders(http.Response);
        http.Response.Headers.CacheControl = "public, max-age=300";
        return Results.Bytes(asset.Bytes, asset.Type);
    }

    private static Dictionary<string, (string, byte[])> Load()
    {
        var assembly = typeof(UiEndpoints).Assembly;
        var assets = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.Contains(".Ui.Assets.", StringComparison.Ordinal)))
        {
            var name = resource[(resource.IndexOf(".Ui.Assets.", StringComparison.Ordinal) + 11)..];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[name] = (name.EndsWith(".css", StringComparison.Ordinal) ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8", copy.ToArray());
        }
        return assets;
    }
}
