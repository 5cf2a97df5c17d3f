using ConvoCanvas.Inference.Scheduling;

namespace ConvoCanvas.Inference.Tests;

public sealed class TurnForecastTests
{
    [Fact]
    public void A_model_asked_every_six_minutes_is_still_expected_four_minutes_on_and_a_finished_chat_is_not()
    {
        var forecast = new TurnForecast(sessionBreakSeconds: 600);
        for (var i = 0; i < 6; i++)
        {
            forecast.Observe("coder", i * 360);
        }
        // chat: turns 40–80 s apart, then silence.
        double t = 0;
        foreach (var gap in new[] { 0, 40, 80, 60, 50, 70 })
        {
            forecast.Observe("chat", t += gap);
        }
        forecast.Observe("chat", 1810);

        // Right after a turn, the chat's next one is expected sooner than the coder's; 4 minutes on, it is not expected at all.
        Assert.True(forecast.RateAt("chat", 1850) > forecast.RateAt("coder", 1850));
        var now = 1810 + 240;
        Assert.True(forecast.RateAt("coder", now) > 10 * forecast.RateAt("chat", now));
        Assert.False(forecast.InSession("chat", now + 400));
        Assert.Equal(0, forecast.RateAt("never", now));
    }
}
