using Microsoft.AspNetCore.Mvc.ApplicationModels;

namespace WebApp.Auth;

/// <summary>
/// Identity UI compiles in every account page it has (external logins, set-password, registration confirmation,
/// its own error page, ...). This convention keeps routes only for the pages the site uses and clears the routes
/// of every other page in the Identity area, so they answer 404 and a future Identity UI page stays unreachable
/// until it is added here.
/// </summary>
public sealed class IdentityPagesAllowList : IPageRouteModelConvention
{
    public const string Area = "Identity";

    /// <summary>Exposed pages by view-engine path inside the Identity area ("/Account/Login" is /Identity/Account/Login).</summary>
    public static readonly IReadOnlySet<string> ExposedPages = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "/Account/Login",
        "/Account/Register",
        "/Account/Logout",
        "/Account/ForgotPassword",
        "/Account/ForgotPasswordConfirmation",
        "/Account/ResetPassword",
        "/Account/ResetPasswordConfirmation",
        "/Account/ConfirmEmail",
        "/Account/ConfirmEmailChange",
        "/Account/ResendEmailConfirmation",
        "/Account/Lockout",
        "/Account/AccessDenied",
        // Two-factor sign-in: people can turn on an authenticator below, so they must be able to sign in with it.
        "/Account/LoginWith2fa",
        "/Account/LoginWithRecoveryCode",
        "/Account/Manage/Index",
        "/Account/Manage/Email",
        "/Account/Manage/ChangePassword",
        "/Account/Manage/PersonalData",
        "/Account/Manage/DeletePersonalData",
        "/Account/Manage/DownloadPersonalData",
        "/Account/Manage/TwoFactorAuthentication",
        "/Account/Manage/EnableAuthenticator",
        "/Account/Manage/ResetAuthenticator",
        "/Account/Manage/Disable2fa",
        "/Account/Manage/GenerateRecoveryCodes",
        "/Account/Manage/ShowRecoveryCodes",
    };

    public void Apply(PageRouteModel model)
    {
        if (model.AreaName == Area && !ExposedPages.Contains(model.ViewEnginePath))
        {
            model.Selectors.Clear();
        }
    }
}
