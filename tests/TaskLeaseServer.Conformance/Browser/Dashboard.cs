using System.Collections.Concurrent;
using Microsoft.Playwright;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance.Browser;

/// <summary>
/// A fact that drives the dashboard in Debian's Chromium (/usr/bin/chromium, or $CHROMIUM).
/// Skipped, with the reason, only on a machine without it; under CI (CI=true, where .ci/run
/// installs the package) it runs and fails instead.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (!File.Exists(Dashboard.Chromium) && Environment.GetEnvironmentVariable("CI") != "true")
            Skip = $"no Chromium at {Dashboard.Chromium}: apt-get install -y chromium";
    }
}

/// <summary>
/// One real server (with a token, so the sign-in is exercised) and one headless Chromium for the
/// whole suite. Each fact opens its own browser context (its own cookies) through
/// <see cref="NewPageAsync"/>, which also watches what no page may do: send a request anywhere but
/// the server, or log a console error.
/// </summary>
public sealed class Dashboard : IAsyncLifetime
{
    public const string Token = "browser-suite-token";

    public static string Chromium => Environment.GetEnvironmentVariable("CHROMIUM") ?? "/usr/bin/chromium";

    /// <summary>Screenshots of every page go here, under the test output; $UI_SCREENSHOTS_DIR gets a copy (docs/ui/).</summary>
    public static string Screenshots => Path.Combine(AppContext.BaseDirectory, "ui-screenshots");

    private IPlaywright? _playwright;

    public ServerProcess Server { get; private set; } = null!;
    public Api Api { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Requests any page made to another host, and console errors or uncaught exceptions, per fact.</summary>
    public ConcurrentQueue<string> Foreign { get; } = new();
    public ConcurrentQueue<string> ConsoleErrors { get; } = new();

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
            throw new InvalidOperationException($"the browser suite needs Chromium at {Chromium} (Debian: apt-get install -y chromium); .ci/run installs it");
        Server = await ServerProcess.StartAsync(new ServerOptions { Token = Token });
        Api = new Api(Server.BaseAddress, Api.Bearer(Token));
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        Assertions.SetDefaultExpectTimeout(15_000);
        Directory.CreateDirectory(Screenshots);
    }

    /// <summary>A fresh context and page; every request to another host is recorded and aborted.</summary>
    public async Task<IPage> NewPageAsync(int width = 1400, int height = 900, ColorScheme scheme = ColorScheme.Light)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = scheme,
        });
        await context.RouteAsync("**/*", async route =>
        {
            var url = new Uri(route.Request.Url);
            if (url.Host == Server.BaseAddress.Host && url.Port == Server.Port) await route.ContinueAsync();
            else
            {
                Foreign.Enqueue(route.Request.Url);
                await route.AbortAsync();
            }
        });
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error") ConsoleErrors.Enqueue($"{page.Url}: {message.Text}");
        };
        page.PageError += (_, error) => ConsoleErrors.Enqueue($"{page.Url}: uncaught {error}");
        return page;
    }

    /// <summary>Signs in through the form, as a person would, and lands on <paramref name="path"/>.</summary>
    public async Task<IPage> SignedInAsync(string key, string path = "/ui")
    {
        var page = await NewPageAsync();
        await page.GotoAsync(path);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/ui/sign-in"));
        await page.GetByLabel("API key or token").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator(".who .badge")).ToBeVisibleAsync();
        return page;
    }

    public async Task ShotAsync(IPage page, string name)
    {
        var file = Path.Combine(Screenshots, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
        if (Environment.GetEnvironmentVariable("UI_SCREENSHOTS_DIR") is { Length: > 0 } docs)
        {
            Directory.CreateDirectory(docs);
            File.Copy(file, Path.Combine(docs, name + ".png"), overwrite: true);
        }
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        Api?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
    }
}
