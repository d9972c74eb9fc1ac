using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebApp.Data;
using WebApp.Email;

namespace WebApp.Auth;

public static class AccountsExtensions
{
    /// <summary>Identity with its default UI, cookie sign-in, lockout, and the socket-token issuer.</summary>
    public static IServiceCollection AddAccounts(this IServiceCollection services, IHostEnvironment environment)
    {
        // Development runs on plain http://localhost; everywhere else cookies travel only over HTTPS.
        var secure = environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        services.AddAntiforgery(options =>
        {
            options.Cookie.SecurePolicy = secure;
            options.Cookie.SameSite = SameSiteMode.Lax;
        });

        // Mail for password reset and email confirmation (Email:Smtp); before Identity, whose no-op sender yields to it.
        services.AddEmail(environment);

        services.AddDefaultIdentity<AppUser>(options =>
            {
                // Registering signs the person in at once, with or without a mail sender; confirming the address
                // is offered on the account's Email page and is never required to sign in.
                options.SignIn.RequireConfirmedAccount = false;
                options.SignIn.RequireConfirmedEmail = false;
                options.User.RequireUniqueEmail = true;
                // The user name is the email, in any script (Identity's default allows ASCII only); UserText refuses
                // controls and invisible text at sign-up (AppUserManager.CreateAsync).
                options.User.AllowedUserNameCharacters = "";
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddEntityFrameworkStores<AppDbContext>()
            .AddUserManager<AppUserManager>()
            .AddSignInManager<AppSignInManager>()
            // Identity's error texts in the person's language (ja, zh-Hans), English as Identity words it.
            .AddErrorDescriber<LocalizedIdentityErrorDescriber>()
            .AddClaimsPrincipalFactory<DisplayNameClaimsFactory>();

        // Identity UI's pages: only those the site uses are routed, a return URL never leads off the site, and a state
        // a page cannot serve (no two-factor sign-in in progress, a bogus emailed code) ends on a page that can.
        services.AddSingleton<LocalReturnUrlFilter>();
        services.AddSingleton<IdentityPageStateFilter>();
        services.Configure<RazorPagesOptions>(options =>
        {
            options.Conventions.Add(new IdentityPagesAllowList());
            options.Conventions.AddAreaFolderApplicationModelConvention(IdentityPagesAllowList.Area, "/",
                page =>
                {
                    page.Filters.Add(new ServiceFilterAttribute<LocalReturnUrlFilter>());
                    page.Filters.Add(new ServiceFilterAttribute<IdentityPageStateFilter>());
                });
        });
        // Their validation summaries carry no inline style, which the CSP would refuse (registered before
        // AddRazorPages, whose TryAdd then keeps this one).
        services.Replace(ServiceDescriptor.Singleton<IHtmlGenerator, HtmlGeneratorWithoutInlineStyle>());

        services.Configure<SecurityStampValidatorOptions>(options =>
        {
            // Cookies of a user whose stamp changed ("sign out everywhere", password change) stop working within a minute;
            // the socket-token handler checks the stamp on every request.
            options.ValidationInterval = TimeSpan.FromMinutes(1);
            options.OnRefreshingPrincipal = context =>
            {
                if (context.CurrentPrincipal?.FindFirst(AppSignInManager.SessionClaim) is { } session)
                {
                    context.NewPrincipal?.Identities.First().AddClaim(new System.Security.Claims.Claim(session.Type, session.Value));
                }
                return Task.CompletedTask;
            };
        });

        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = secure;
            cookie.Events.OnRedirectToLogin = context => RedirectOnlyNavigations(context, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = context => RedirectOnlyNavigations(context, StatusCodes.Status403Forbidden);
            // Identity's own handler resolves its validator (a SignInManager, a UserManager and their meters) on every
            // request before it looks at the interval; that was a sixth of a room page's cost. Asked first here, the
            // same check (SecurityStampValidator.ValidateAsync's) spares it on all requests but one a minute per cookie.
            cookie.Events.OnValidatePrincipal = context => StampCheckIsDue(context)
                ? SecurityStampValidator.ValidatePrincipalAsync(context)
                : Task.CompletedTask;
        });

        services.AddOptions<JwtOptions>()
            .BindConfiguration(JwtOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<SocketTokens>();
        // One process by default; AddScaleOut replaces these with Redis-backed ones for several instances.
        services.AddSingleton<IUsedTokenStore, UsedTokenIds>();
        services.AddSingleton<Revocations>();
        services.AddSingleton<IRevocationBus, InProcessRevocationBus>();
        services.AddSingleton<UserSecurityStates>();
        return services;
    }

    /// <summary>
    /// Whether the cookie's security stamp is due to be checked again: issued (or last refreshed) more than
    /// <see cref="SecurityStampValidatorOptions.ValidationInterval"/> ago, or with no issue time; as Identity decides it.
    /// </summary>
    private static bool StampCheckIsDue(CookieValidatePrincipalContext context)
    {
        if (context.Properties.IssuedUtc is not { } issued) return true;
        var services = context.HttpContext.RequestServices;
        var interval = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SecurityStampValidatorOptions>>().Value.ValidationInterval;
        return services.GetRequiredService<TimeProvider>().GetUtcNow() - issued > interval;
    }

    /// <summary>
    /// Page loads (GET) and browser form posts are sent to the login page; anything else (fetch, htmx,
    /// scripts and other API clients) gets a bare status it can act on instead of a login page's HTML.
    /// </summary>
    private static Task RedirectOnlyNavigations(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        var request = context.Request;
        var isNavigation = !request.IsHtmx()
            && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
                || request.Headers["Sec-Fetch-Mode"] == "navigate");
        if (isNavigation)
        {
            context.Response.Redirect(context.RedirectUri);
        }
        else
        {
            context.Response.StatusCode = status;
        }
        return Task.CompletedTask;
    }
}
