using System.Diagnostics.Metrics;
using Amazon.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using PayPulse.OAuthSecrets.Diagnostics;
using PayPulse.OAuthSecrets.Gmail;
using PayPulse.OAuthSecrets.Internal;
using PayPulse.OAuthSecrets.Internal.SecretsManager;

namespace PayPulse.OAuthSecrets.Tests.DependencyInjection;

public sealed class OAuthSecretsServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddPayPulseOAuthSecrets_InProcess_ResolvesAWorkingStore()
    {
        using var provider = new ServiceCollection()
            .AddPayPulseOAuthSecrets(o => o.UseInProcessSecretStore = true)
            .BuildServiceProvider();

        var store = provider.GetRequiredService<IOAuthTokenStore>();
        await store.StoreAsync("u-1", new OAuthTokenGrant("a", "r", TimeSpan.FromHours(1)));

        provider.GetRequiredService<InProcessSecretStore>().Names.Should().Equal("gmail/user/u-1");
        provider.GetRequiredService<IOAuthTokenStore>().Should().BeSameAs(store);
    }

    [Fact]
    public void AddPayPulseOAuthSecrets_WithRegion_UsesTheSecretsManagerClient()
    {
        using var provider = new ServiceCollection()
            .AddPayPulseOAuthSecrets(o =>
            {
                o.Region = "eu-west-1";
                o.Credentials = new BasicAWSCredentials("AKID", "secret");
            })
            .BuildServiceProvider();

        provider.GetRequiredService<ISecretsManagerClient>().Should().BeOfType<SecretsManagerClient>();
    }

    [Fact]
    public void AddPayPulseOAuthSecrets_RegistersTheGmailCredentialFactoryAsASingleton()
    {
        using var provider = new ServiceCollection()
            .AddPayPulseOAuthSecrets(o => o.UseInProcessSecretStore = true)
            .BuildServiceProvider();

        var factory = provider.GetRequiredService<PayPulse.OAuthSecrets.Gmail.IGmailCredentialFactory>();

        factory.Should().BeOfType<PayPulse.OAuthSecrets.Internal.Gmail.GmailCredentialFactory>();
        provider.GetRequiredService<PayPulse.OAuthSecrets.Gmail.IGmailCredentialFactory>().Should().BeSameAs(factory);
    }

    [Fact]
    public void AddPayPulseOAuthSecrets_CalledTwice_RegistersEachServiceOnce()
    {
        var services = new ServiceCollection()
            .AddPayPulseOAuthSecrets(o => o.UseInProcessSecretStore = true)
            .AddPayPulseOAuthSecrets();

        services.Count(d => d.ServiceType == typeof(IOAuthTokenStore)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(ISecretsManagerClient)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(PayPulse.OAuthSecrets.Gmail.IGmailCredentialFactory)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IValidateOptions<OAuthSecretsOptions>)).Should().Be(2);
    }

    [Fact]
    public void AddPayPulseOAuthSecrets_StoreRegisteredFirst_IsKept()
    {
        var mine = Substitute.For<IOAuthTokenStore>();
        using var provider = new ServiceCollection()
            .AddSingleton(mine)
            .AddPayPulseOAuthSecrets(o => o.UseInProcessSecretStore = true)
            .BuildServiceProvider();

        provider.GetRequiredService<IOAuthTokenStore>().Should().BeSameAs(mine);
    }

    [Fact]
    public async Task AddPayPulseOAuthSecrets_TimeProviderFromTheContainer_IsUsed()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2031, 1, 2, 3, 4, 5, TimeSpan.Zero));
        using var provider = new ServiceCollection()
            .AddSingleton<TimeProvider>(time)
            .AddPayPulseOAuthSecrets(o => o.UseInProcessSecretStore = true)
            .BuildServiceProvider();

        var result = await provider.GetRequiredService<IOAuthTokenStore>().StoreAsync("u-1", new OAuthTokenGrant("a", "r", TimeSpan.FromHours(1)));

        result.Bundle.CreatedAt.Should().Be(time.GetUtcNow(), "the store runs on the container's clock");
        result.Bundle.ExpiresAt.Should().Be(time.GetUtcNow().AddHours(1));
    }

    [Fact]
    public void Startup_NoRegion_FailsValidationWithAClearMessage()
    {
        using var provider = new ServiceCollection()
            .AddPayPulseOAuthSecrets(o => o.Region = null)
            .BuildServiceProvider();

        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();

        act.Should().Throw<OptionsValidationException>().WithMessage("*No AWS Region*");
    }

    [Theory]
    [InlineData(nameof(OAuthSecretsOptions.MaxAttempts))]
    [InlineData(nameof(OAuthSecretsOptions.AttemptTimeout))]
    [InlineData(nameof(OAuthSecretsOptions.MaxRetryDelay))]
    [InlineData(nameof(OAuthSecretsOptions.BundleCacheDuration))]
    [InlineData(nameof(OAuthSecretsOptions.RecreateAfterDeletionTimeout))]
    [InlineData(nameof(OAuthSecretsOptions.SecretNamePrefix))]
    [InlineData(nameof(OAuthSecretsOptions.ClientIdSecretName))]
    [InlineData(nameof(OAuthSecretsOptions.GoogleClientId))]
    [InlineData(nameof(OAuthSecretsOptions.DefaultScope))]
    [InlineData(nameof(OAuthSecretsOptions.TokenEndpoint))]
    [InlineData(nameof(OAuthSecretsOptions.RefreshBeforeExpiry))]
    [InlineData(nameof(OAuthSecretsOptions.RefreshTimeout))]
    public void Startup_OutOfRangeOption_FailsValidationNamingIt(string property)
    {
        using var provider = new ServiceCollection()
            .AddPayPulseOAuthSecrets(o =>
            {
                o.UseInProcessSecretStore = true;
                switch (property)
                {
                    case nameof(o.MaxAttempts): o.MaxAttempts = 0; break;
                    case nameof(o.AttemptTimeout): o.AttemptTimeout = TimeSpan.Zero; break;
                    case nameof(o.MaxRetryDelay): o.MaxRetryDelay = TimeSpan.FromHours(1); break;
                    case nameof(o.BundleCacheDuration): o.BundleCacheDuration = TimeSpan.FromMinutes(-1); break;
                    case nameof(o.RecreateAfterDeletionTimeout): o.RecreateAfterDeletionTimeout = TimeSpan.FromHours(1); break;
                    case nameof(o.SecretNamePrefix): o.SecretNamePrefix = "gmail user/"; break;
                    case nameof(o.ClientIdSecretName): o.ClientIdSecretName = "bad name"; break;
                    case nameof(o.GoogleClientId): o.GoogleClientId = " "; break;
                    case nameof(o.DefaultScope): o.DefaultScope = null!; break;
                    case nameof(o.TokenEndpoint): o.TokenEndpoint = new Uri("ftp://127.0.0.1/token"); break;
                    case nameof(o.RefreshBeforeExpiry): o.RefreshBeforeExpiry = TimeSpan.FromHours(1); break;
                    case nameof(o.RefreshTimeout): o.RefreshTimeout = TimeSpan.Zero; break;
                }
            })
            .BuildServiceProvider();

        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();

        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain(property);
    }

    [Theory]
    [InlineData("http://oauth2.example.com/token", false)]
    [InlineData("http://127.0.0.1:8080/token", true)]
    [InlineData("https://oauth2.googleapis.com/token", true)]
    public void Startup_TokenEndpoint_MustBeHttpsOrLoopback(string url, bool valid)
    {
        var result = new OAuthSecretsOptionsCustomValidator(_ => null)
            .Validate(null, new OAuthSecretsOptions { UseInProcessSecretStore = true, TokenEndpoint = new Uri(url) });

        result.Succeeded.Should().Be(valid);
    }

    [Fact]
    public void TokenEndpoint_Default_IsGooglesAndValid_AndASetNullStaysNullAndFails()
    {
        var validator = new OAuthSecretsOptionsCustomValidator(_ => null);
        var defaults = new OAuthSecretsOptions { UseInProcessSecretStore = true };

        validator.Validate(null, defaults).Succeeded.Should().BeTrue();
        defaults.TokenEndpoint.Should().Be(new Uri("https://oauth2.googleapis.com/token"));
        defaults.TokenEndpoint.Should().BeSameAs(defaults.TokenEndpoint);

        var cleared = new OAuthSecretsOptions { UseInProcessSecretStore = true, TokenEndpoint = null! };
        cleared.TokenEndpoint.Should().BeNull();
        validator.Validate(null, cleared).Failures.Should().ContainSingle().Which.Should().Contain(nameof(OAuthSecretsOptions.TokenEndpoint));
    }

    [Fact]
    public void Startup_ValidOptions_Pass()
    {
        using var provider = new ServiceCollection()
            .AddPayPulseOAuthSecrets(o => o.Region = "us-east-1")
            .BuildServiceProvider();

        FluentActions.Invoking(() => provider.GetRequiredService<IStartupValidator>().Validate()).Should().NotThrow();
    }

    [Fact]
    public void AddPayPulseOAuthSecrets_FromConfiguration_BindsEverySetting()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["PayPulse:OAuthSecrets:Region"] = "eu-central-1",
                ["PayPulse:OAuthSecrets:ServiceUrl"] = "http://127.0.0.1:5000/",
                ["PayPulse:OAuthSecrets:UseFipsEndpoint"] = "false",
                ["PayPulse:OAuthSecrets:MaxAttempts"] = "5",
                ["PayPulse:OAuthSecrets:AttemptTimeout"] = "00:00:03",
                ["PayPulse:OAuthSecrets:RetryBaseDelay"] = "00:00:00.2",
                ["PayPulse:OAuthSecrets:MaxRetryDelay"] = "00:00:05",
                ["PayPulse:OAuthSecrets:SecretNamePrefix"] = "staging/gmail/",
                ["PayPulse:OAuthSecrets:ClientIdSecretName"] = "Staging-Client-ID",
                ["PayPulse:OAuthSecrets:GoogleClientId"] = "123.apps.googleusercontent.com",
                ["PayPulse:OAuthSecrets:DefaultScope"] = "s1 s2",
                ["PayPulse:OAuthSecrets:KmsKeyId"] = "alias/tokens",
                ["PayPulse:OAuthSecrets:SecretTags:team"] = "payments",
                ["PayPulse:OAuthSecrets:BundleCacheDuration"] = "00:00:10",
                ["PayPulse:OAuthSecrets:RecreateAfterDeletionTimeout"] = "00:00:20",
                ["PayPulse:OAuthSecrets:UseInProcessSecretStore"] = "true",
                ["PayPulse:OAuthSecrets:TokenEndpoint"] = "http://127.0.0.1:6000/token",
                ["PayPulse:OAuthSecrets:RefreshBeforeExpiry"] = "00:10:00",
                ["PayPulse:OAuthSecrets:RefreshTimeout"] = "00:00:45",
            })
            .Build();

        using var provider = new ServiceCollection()
            .AddPayPulseOAuthSecrets(configuration.GetSection(OAuthSecretsOptions.DefaultSectionName))
            .BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<OAuthSecretsOptions>>().Value;

        options.Region.Should().Be("eu-central-1");
        options.ServiceUrl.Should().Be(new Uri("http://127.0.0.1:5000/"));
        options.MaxAttempts.Should().Be(5);
        options.AttemptTimeout.Should().Be(TimeSpan.FromSeconds(3));
        options.RetryBaseDelay.Should().Be(TimeSpan.FromMilliseconds(200));
        options.MaxRetryDelay.Should().Be(TimeSpan.FromSeconds(5));
        options.SecretNamePrefix.Should().Be("staging/gmail/");
        options.ClientIdSecretName.Should().Be("Staging-Client-ID");
        options.GoogleClientId.Should().Be("123.apps.googleusercontent.com");
        options.DefaultScope.Should().Be("s1 s2");
        options.KmsKeyId.Should().Be("alias/tokens");
        options.SecretTags.Should().Contain("team", "payments");
        options.BundleCacheDuration.Should().Be(TimeSpan.FromSeconds(10));
        options.RecreateAfterDeletionTimeout.Should().Be(TimeSpan.FromSeconds(20));
        options.UseInProcessSecretStore.Should().BeTrue();
        options.TokenEndpoint.Should().Be(new Uri("http://127.0.0.1:6000/token"));
        options.RefreshBeforeExpiry.Should().Be(TimeSpan.FromMinutes(10));
        options.RefreshTimeout.Should().Be(TimeSpan.FromSeconds(45));
        options.Credentials.Should().BeNull();
    }

    [Fact]
    public void AddPayPulseOAuthSecrets_NullArguments_Throw()
    {
        var services = new ServiceCollection();

        FluentActions.Invoking(() => OAuthSecretsServiceCollectionExtensions.AddPayPulseOAuthSecrets(null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => services.AddPayPulseOAuthSecrets((Action<OAuthSecretsOptions>)null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => services.AddPayPulseOAuthSecrets((IConfiguration)null!)).Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void CustomValidator_EndpointFromEnvironment_IsAccepted()
    {
        var validator = new OAuthSecretsOptionsCustomValidator(name => name == "AWS_REGION" ? "us-west-2" : null);

        validator.Validate(null, new OAuthSecretsOptions()).Succeeded.Should().BeTrue();
    }

    [Fact]
    public async Task NamedHttpClient_SecretsManager_CarriesTheStoresRequests()
    {
        using var secretsManager = new ScriptedHttpHandler().Then(HttpStatusCode.OK, """
            {"Name":"gmail/user/u-1","VersionId":"v1","SecretString":"{\"access_token\":\"ya29.a\",\"expires_at\":\"2026-11-25T06:00:00\"}"}
            """);
        var services = new ServiceCollection().AddPayPulseOAuthSecrets(o =>
        {
            o.Region = "eu-west-1";
            o.ServiceUrl = new Uri("http://127.0.0.1:9"); // nothing listens there: only the scripted handler answers
            o.Credentials = new BasicAWSCredentials("AKID", "secret");
        });
        services.AddHttpClient(OAuthSecretsHttpClientNames.SecretsManager)
            .ConfigurePrimaryHttpMessageHandler(() => new ForwardingHandler(secretsManager));
        using var provider = services.BuildServiceProvider();

        var bundle = await provider.GetRequiredService<IOAuthTokenStore>().GetAsync("u-1");

        bundle!.ExpiresAt.Should().Be(new DateTimeOffset(2026, 11, 25, 6, 0, 0, TimeSpan.Zero));
        secretsManager.Requests.Should().ContainSingle().Which.Target.Should().Be("secretsmanager.GetSecretValue");
    }

    [Fact]
    public async Task NamedHttpClient_GoogleTokenEndpoint_CarriesTheRefresh()
    {
        using var google = new ScriptedHttpHandler().Then(HttpStatusCode.OK, """{"access_token":"ya29.new","expires_in":3599,"token_type":"Bearer"}""");
        var services = new ServiceCollection().AddPayPulseOAuthSecrets(o =>
        {
            o.UseInProcessSecretStore = true;
            o.GoogleClientId = "ios-client.apps.googleusercontent.com";
            o.TokenEndpoint = new Uri("http://127.0.0.1:9/token"); // nothing listens there: only the scripted handler answers
        });
        services.AddHttpClient(OAuthSecretsHttpClientNames.GoogleTokenEndpoint)
            .ConfigurePrimaryHttpMessageHandler(() => new ForwardingHandler(google));
        using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IOAuthTokenStore>().StoreAsync("u-1", new OAuthTokenGrant("ya29.old", "1//refresh", TimeSpan.FromSeconds(30)));

        var credential = await provider.GetRequiredService<IGmailCredentialFactory>().CreateAsync("u-1");

        credential.Token.AccessToken.Should().Be("ya29.new");
        var request = google.Requests.Should().ContainSingle().Subject;
        request.Uri.Should().Be(new Uri("http://127.0.0.1:9/token"));
        request.Body.Should().Contain("grant_type=refresh_token");
    }

    [Fact]
    public async Task AddPayPulseOAuthSecrets_MetricsGoThroughTheContainersMeterFactory()
    {
        using var provider = new ServiceCollection()
            .AddPayPulseOAuthSecrets(o => o.UseInProcessSecretStore = true)
            .BuildServiceProvider();
        using var durations = new MetricCollector<double>(
            provider.GetRequiredService<IMeterFactory>(), OAuthSecretsDiagnostics.MeterName, "paypulse.oauth_secrets.store.duration");

        await provider.GetRequiredService<IOAuthTokenStore>().GetAsync("u-1");

        durations.GetMeasurementSnapshot().Should().ContainSingle()
            .Which.Tags["paypulse.oauth_secrets.operation"].Should().Be("get");
    }

    [Fact]
    public async Task NamedHttpClient_SecretsManager_NeverLogsHeaderValues()
    {
        const string sessionToken = "SESSION-TOKEN-c2VjcmV0";
        using var secretsManager = new ScriptedHttpHandler().Then(HttpStatusCode.OK, """
            {"Name":"gmail/user/u-1","VersionId":"v1","SecretString":"{\"access_token\":\"ya29.a\",\"expires_at\":\"2026-11-25T06:00:00\"}"}
            """);
        var logs = new FakeLogCollector();
        var services = new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)))
            .AddPayPulseOAuthSecrets(o =>
            {
                o.Region = "eu-west-1";
                o.ServiceUrl = new Uri("http://127.0.0.1:9");
                o.Credentials = new SessionAWSCredentials("AKIDEXAMPLE", "secret-key", sessionToken);
            });
        services.AddHttpClient(OAuthSecretsHttpClientNames.SecretsManager)
            .ConfigurePrimaryHttpMessageHandler(() => new ForwardingHandler(secretsManager));
        using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IOAuthTokenStore>().GetAsync("u-1");

        secretsManager.Requests.Single().Header("X-Amz-Security-Token").Should().Be(sessionToken);
        var headerLogs = logs.GetSnapshot().Where(r => r.Message.Contains("X-Amz-Security-Token", StringComparison.OrdinalIgnoreCase)).ToList();
        headerLogs.Should().NotBeEmpty("HttpClient logs request headers at Trace");
        logs.GetSnapshot().Should().NotContain(r => r.Message.Contains(sessionToken, StringComparison.Ordinal) || r.Message.Contains("Signature=", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(OAuthSecretsHttpClientNames.SecretsManager)]
    [InlineData(OAuthSecretsHttpClientNames.GoogleTokenEndpoint)]
    public void NamedHttpClient_PrimaryHandler_IsAConfigurableSocketsHttpHandler(string name)
    {
        HttpMessageHandler? primary = null;
        var services = new ServiceCollection().AddPayPulseOAuthSecrets(o => o.UseInProcessSecretStore = true);
        services.AddHttpClient(name).ConfigurePrimaryHttpMessageHandler((handler, _) => primary = handler);
        using var provider = services.BuildServiceProvider();

        using var chain = provider.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(name);

        var sockets = primary.Should().BeOfType<SocketsHttpHandler>().Subject;
        sockets.PooledConnectionLifetime.Should().Be(TimeSpan.FromMinutes(5));
        sockets.AllowAutoRedirect.Should().BeFalse();
    }
}
