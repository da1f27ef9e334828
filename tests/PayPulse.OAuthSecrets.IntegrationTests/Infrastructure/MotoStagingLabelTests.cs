using System.Net;
using System.Text.Json;

namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>
/// Pins moto's Secrets Manager staging labels to what AWS documents, because the token store's write-back is a
/// compare-and-swap built on them: <c>PutSecretValue</c> under a private label, then <c>UpdateSecretVersionStage</c>
/// moving <c>AWSCURRENT</c> with <c>RemoveFromVersionId</c> = the version read. Stock moto 5.2.1 gets part of this
/// wrong; <c>Scripts/moto_launcher.py</c> (which <see cref="MotoServer"/> runs) corrects it, and the last two tests
/// show the difference.
/// </summary>
/// <remarks>
/// Doc references: PutSecretValue, UpdateSecret, UpdateSecretVersionStage, GetSecretValue and DescribeSecret in the
/// AWS Secrets Manager API Reference (docs.aws.amazon.com/secretsmanager/latest/apireference/), and "What's in a
/// Secrets Manager secret?" (secret versions and staging labels) in the user guide.
/// </remarks>
[Collection(MotoCollection.Name)]
public sealed class MotoStagingLabelTests(MotoFixture fixture) : IDisposable
{
    private const string Current = "AWSCURRENT";
    private const string Previous = "AWSPREVIOUS";

    private readonly HttpClient _http = RawAwsJsonRequest.CreateClient();
    private readonly string _privateLabel = "cas-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task PutSecretValue_with_a_private_label_does_not_make_the_new_version_current()
    {
        var secret = await CreateAsync("v1");

        var put = await CallAsync("PutSecretValue", new { SecretId = secret.Name, SecretString = "v2", VersionStages = new[] { _privateLabel } });

        // PutSecretValue, VersionStages: "If you don't include VersionStages, then Secrets Manager automatically moves
        // the staging label AWSCURRENT to this version" — so with VersionStages given, AWSCURRENT stays put.
        Stages(put).Should().Equal(_privateLabel);
        // GetSecretValue: "If you don't specify either a VersionStage or VersionId, Secrets Manager returns the
        // AWSCURRENT version."
        var read = await GetAsync(secret.Name);
        read.GetProperty("SecretString").GetString().Should().Be("v1");
        read.GetProperty("VersionId").GetString().Should().Be(secret.FirstVersionId);
        var stages = await VersionStagesAsync(secret.Name);
        stages[VersionId(put)].Should().Equal(_privateLabel);
        stages[secret.FirstVersionId].Should().Equal(Current);
    }

    [Fact]
    public async Task UpdateSecretVersionStage_moving_AWSCURRENT_makes_the_moved_to_version_current()
    {
        var secret = await CreateAsync("v1");
        var v2 = await PutPrivateAsync(secret.Name, "v2");

        await MoveCurrentAsync(secret.Name, moveTo: v2, removeFrom: secret.FirstVersionId);

        // GetSecretValue returns the AWSCURRENT version by default; UpdateSecretVersionStage moved AWSCURRENT to v2.
        var read = await GetAsync(secret.Name);
        read.GetProperty("SecretString").GetString().Should().Be("v2");
        read.GetProperty("VersionId").GetString().Should().Be(v2);
        Stages(read).Should().Contain(Current);
        var stages = await VersionStagesAsync(secret.Name);
        // UpdateSecretVersionStage: "Whenever you move AWSCURRENT, Secrets Manager automatically moves the label
        // AWSPREVIOUS to the version that AWSCURRENT was removed from."
        stages[secret.FirstVersionId].Should().Equal(Previous);
        // User guide: a staging label is attached to one version at a time; labels we did not move stay where they are.
        HoldersOf(stages, Current).Should().Equal(v2);
        stages[v2].Should().BeEquivalentTo([_privateLabel, Current]);
    }

    [Theory]
    [InlineData("PutSecretValue")]
    [InlineData("UpdateSecret")]
    public async Task Plain_write_after_a_stage_move_demotes_the_version_that_holds_AWSCURRENT(string action)
    {
        var secret = await CreateAsync("v1");
        var v2 = await PutPrivateAsync(secret.Name, "v2");
        await MoveCurrentAsync(secret.Name, moveTo: v2, removeFrom: secret.FirstVersionId);

        // The Python Lambdas write with a plain PutSecretValue or UpdateSecret (no VersionStages).
        var v3 = await PlainWriteAsync(action, secret.Name, "v3");

        // PutSecretValue: without VersionStages "Secrets Manager automatically moves the staging label AWSCURRENT to
        // this version" and, AWSCURRENT having been attached to another version, "also moves the staging label
        // AWSPREVIOUS to the version that AWSCURRENT was removed from". UpdateSecret: "Secrets Manager automatically
        // moves the staging label AWSCURRENT to the new version. Then it attaches the label AWSPREVIOUS to the version
        // that AWSCURRENT was removed from." The version that held AWSCURRENT was v2, not the first version.
        var stages = await VersionStagesAsync(secret.Name);
        HoldersOf(stages, Current).Should().Equal(v3);
        HoldersOf(stages, Previous).Should().Equal(v2);
        // Only AWSCURRENT and AWSPREVIOUS move; our private label stays on v2.
        stages[v2].Should().BeEquivalentTo([_privateLabel, Previous]);
        HoldersOf(stages, _privateLabel).Should().Equal(v2);
        (await GetAsync(secret.Name)).GetProperty("SecretString").GetString().Should().Be("v3");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Stale_stage_move_fails_with_InvalidParameterException_and_changes_nothing(bool afterAnEarlierSwap)
    {
        var secret = await CreateAsync("v1");
        var based = secret.FirstVersionId;
        if (afterAnEarlierSwap)
        {
            // The sequence stock moto gets wrong: a completed swap, then another writer's plain put.
            based = await PutPrivateAsync(secret.Name, "v2");
            await MoveCurrentAsync(secret.Name, moveTo: based, removeFrom: secret.FirstVersionId);
        }

        var ours = await PutPrivateAsync(secret.Name, "ours");
        var theirs = await PlainWriteAsync("PutSecretValue", secret.Name, "theirs");
        var before = await VersionStagesAsync(secret.Name);

        var (status, type, message) = await CallFailingAsync(
            "UpdateSecretVersionStage",
            new { SecretId = secret.Name, VersionStage = Current, MoveToVersionId = ours, RemoveFromVersionId = based });

        // UpdateSecretVersionStage, RemoveFromVersionId: "If the staging label is attached to a different version than
        // the version you specify, then the operation fails." Error: InvalidParameterException (HTTP 400).
        status.Should().Be(HttpStatusCode.BadRequest);
        type.Should().Be("InvalidParameterException");
        message.Should().Contain(based);
        (await GetAsync(secret.Name)).GetProperty("SecretString").GetString().Should().Be("theirs");
        var after = await VersionStagesAsync(secret.Name);
        after.Should().BeEquivalentTo(before);
        HoldersOf(after, Current).Should().Equal(theirs);
        HoldersOf(after, _privateLabel).Should().Equal(ours);
    }

    [Fact]
    public async Task PutSecretValue_reusing_a_ClientRequestToken_with_other_content_fails_with_ResourceExistsException()
    {
        var secret = await CreateAsync("v1");
        var token = Guid.NewGuid().ToString();
        await CallAsync("PutSecretValue", new { SecretId = secret.Name, SecretString = "v2", ClientRequestToken = token, VersionStages = new[] { _privateLabel } });

        var (status, type, message) = await CallFailingAsync(
            "PutSecretValue",
            new { SecretId = secret.Name, SecretString = "other", ClientRequestToken = token, VersionStages = new[] { _privateLabel } });

        // PutSecretValue, ClientRequestToken: "If a version with this value already exists and the version of the
        // SecretString and SecretBinary values are different from those in the request, then the request fails because
        // you can't modify a secret version." Error: ResourceExistsException.
        status.Should().Be(HttpStatusCode.BadRequest);
        type.Should().Be("ResourceExistsException");
        message.Should().Contain(token);
        var read = await CallAsync("GetSecretValue", new { SecretId = secret.Name, VersionId = token });
        read.GetProperty("SecretString").GetString().Should().Be("v2");
    }

    [Fact]
    public async Task PutSecretValue_reusing_a_ClientRequestToken_with_the_same_content_is_a_no_op()
    {
        var secret = await CreateAsync("v1");
        var token = Guid.NewGuid().ToString();
        var request = new { SecretId = secret.Name, SecretString = "v2", ClientRequestToken = token, VersionStages = new[] { _privateLabel } };
        await CallAsync("PutSecretValue", request);
        var before = await VersionStagesAsync(secret.Name);

        var repeated = await CallAsync("PutSecretValue", request);

        // PutSecretValue, ClientRequestToken: "If a version with this value already exists and that version's
        // SecretString or SecretBinary values are the same as those in the request then the request is ignored."
        VersionId(repeated).Should().Be(token);
        (await VersionStagesAsync(secret.Name)).Should().BeEquivalentTo(before);
        (await GetAsync(secret.Name)).GetProperty("SecretString").GetString().Should().Be("v1");
    }

    [Fact]
    public async Task Fixture_server_runs_the_launcher_so_the_sequence_that_breaks_stock_moto_keeps_one_AWSCURRENT()
    {
        var outcome = await RunSwapThenPlainPutAsync(fixture.ServiceUrl);

        outcome.ReadAfterSwap.Should().Be("v2", "the launcher makes the default version follow AWSCURRENT");
        HoldersOf(outcome.StagesAfterPlainPut, Current).Should().Equal(outcome.PlainPutVersionId);
        outcome.StaleMoveSucceeded.Should().BeFalse();
    }

    [StockMotoServerFact]
    public async Task Stock_moto_server_double_labels_AWSCURRENT_which_is_why_the_launcher_exists()
    {
        await using var stock = await MotoServer.StartAsync(new MotoServerOptions { Executable = StockMotoServerFactAttribute.Executable });

        var outcome = await RunSwapThenPlainPutAsync(stock.ServiceUrl);

        // moto 5.2.1: UpdateSecretVersionStage leaves default_version_id behind, so a plain read still sees v1, the next
        // plain put demotes v1 instead of v2, and two versions carry AWSCURRENT; then a stale swap is accepted.
        outcome.ReadAfterSwap.Should().Be("v1");
        HoldersOf(outcome.StagesAfterPlainPut, Current).Should().HaveCount(2).And.Contain(outcome.PlainPutVersionId);
        outcome.StaleMoveSucceeded.Should().BeTrue();
    }

    public void Dispose() => _http.Dispose();

    private static string VersionId(JsonElement response) => response.GetProperty("VersionId").GetString()!;

    private static string[] Stages(JsonElement response) =>
        [.. response.GetProperty("VersionStages").EnumerateArray().Select(stage => stage.GetString()!)];

    private static string[] HoldersOf(IReadOnlyDictionary<string, string[]> stages, string label) =>
        [.. stages.Where(pair => pair.Value.Contains(label)).Select(pair => pair.Key)];

    /// <summary>
    /// Create v1, put v2 under a private label, swap AWSCURRENT to v2, read, plain put v3, then try a stale swap
    /// (AWSCURRENT from v2, which no longer holds it after the plain put, to v1).
    /// </summary>
    private async Task<SwapOutcome> RunSwapThenPlainPutAsync(Uri serviceUrl)
    {
        var secret = await CreateAsync("v1", serviceUrl);
        var v2 = await PutPrivateAsync(secret.Name, "v2", serviceUrl);
        await MoveCurrentAsync(secret.Name, v2, secret.FirstVersionId, serviceUrl);
        var readAfterSwap = (await GetAsync(secret.Name, serviceUrl)).GetProperty("SecretString").GetString()!;
        var v3 = await PlainWriteAsync("PutSecretValue", secret.Name, "v3", serviceUrl);
        var stages = await VersionStagesAsync(secret.Name, serviceUrl);
        using var stale = await PostAsync(
            "UpdateSecretVersionStage",
            new { SecretId = secret.Name, VersionStage = Current, MoveToVersionId = secret.FirstVersionId, RemoveFromVersionId = v2 },
            serviceUrl);
        return new SwapOutcome(readAfterSwap, v3, stages, stale.IsSuccessStatusCode);
    }

    private async Task<CreatedSecret> CreateAsync(string value, Uri? serviceUrl = null)
    {
        var name = SecretNames.Unique("staging");
        var created = await CallAsync("CreateSecret", new { Name = name, SecretString = value }, serviceUrl);
        return new CreatedSecret(name, VersionId(created));
    }

    private async Task<string> PutPrivateAsync(string name, string value, Uri? serviceUrl = null) =>
        VersionId(await CallAsync("PutSecretValue", new { SecretId = name, SecretString = value, VersionStages = new[] { _privateLabel } }, serviceUrl));

    /// <summary>
    /// A write without VersionStages, as boto3 sends it: boto3 (like every AWS SDK) fills in ClientRequestToken, and the
    /// API reference says a raw request must supply one (moto answers UpdateSecret without it with ResourceExistsException).
    /// </summary>
    private async Task<string> PlainWriteAsync(string action, string name, string value, Uri? serviceUrl = null) =>
        VersionId(await CallAsync(action, new { SecretId = name, SecretString = value, ClientRequestToken = Guid.NewGuid().ToString() }, serviceUrl));

    private Task<JsonElement> MoveCurrentAsync(string name, string moveTo, string removeFrom, Uri? serviceUrl = null) =>
        CallAsync("UpdateSecretVersionStage", new { SecretId = name, VersionStage = Current, MoveToVersionId = moveTo, RemoveFromVersionId = removeFrom }, serviceUrl);

    private Task<JsonElement> GetAsync(string name, Uri? serviceUrl = null) =>
        CallAsync("GetSecretValue", new { SecretId = name }, serviceUrl);

    private async Task<Dictionary<string, string[]>> VersionStagesAsync(string name, Uri? serviceUrl = null)
    {
        var described = await CallAsync("DescribeSecret", new { SecretId = name }, serviceUrl);
        return described.GetProperty("VersionIdsToStages").EnumerateObject().ToDictionary(
            version => version.Name,
            version => version.Value.EnumerateArray().Select(stage => stage.GetString()!).ToArray(),
            StringComparer.Ordinal);
    }

    private async Task<JsonElement> CallAsync(string action, object request, Uri? serviceUrl = null)
    {
        using var response = await PostAsync(action, request, serviceUrl);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, $"{action} should succeed: {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    private async Task<(HttpStatusCode Status, string Type, string Message)> CallFailingAsync(string action, object request)
    {
        using var response = await PostAsync(action, request, serviceUrl: null);
        var body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeFalse($"{action} should fail: {body}");
        using var document = JsonDocument.Parse(body);
        return (
            response.StatusCode,
            document.RootElement.GetProperty("__type").GetString()!,
            document.RootElement.GetProperty("message").GetString()!);
    }

    private Task<HttpResponseMessage> PostAsync(string action, object request, Uri? serviceUrl) =>
        RawAwsJsonRequest.PostAsync(_http, serviceUrl ?? fixture.ServiceUrl, "secretsmanager." + action, JsonSerializer.Serialize(request));

    private sealed record CreatedSecret(string Name, string FirstVersionId);

    private sealed record SwapOutcome(
        string ReadAfterSwap,
        string PlainPutVersionId,
        IReadOnlyDictionary<string, string[]> StagesAfterPlainPut,
        bool StaleMoveSucceeded);
}
