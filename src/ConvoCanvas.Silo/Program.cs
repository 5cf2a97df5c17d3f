using ConvoCanvas.Silo.Hosting;
using ConvoCanvas.Web;

var builder = WebApplication.CreateBuilder(args);

builder.AddConvoCanvasConfiguration();
builder.AddConvoCanvasPersistence();
builder.AddConvoCanvasSearch();
builder.AddConvoCanvasModels();
builder.AddConvoCanvasContent();
builder.AddConvoCanvasCluster();
builder.AddConvoCanvasOrleans();
builder.AddConvoCanvasHealth();
builder.AddConvoCanvasWeb();

var app = builder.Build();

await app.MigrateConvoCanvasDatabaseAsync();
app.MapConvoCanvasHealth();
app.MapConvoCanvasApi();
app.MapConvoCanvasWeb();
app.MapConvoCanvasDashboard();

await app.RunAsync();

/// <summary>Visible to the web tests' host factory.</summary>
public partial class Program;
