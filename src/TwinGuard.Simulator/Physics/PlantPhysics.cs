namespace TwinGuard.Simulator.Physics;

/// <summary>
/// The physics of the sample line (<c>samples/plant.yaml</c>): a water-circulation loop (pump, inlet and outlet
/// valves, buffer tank) and a conveyor, advanced in fixed steps of <see cref="SamplePlant.Period"/>.
/// </summary>
/// <remarks>
/// <para>Pump: speed follows its set-point through a first-order lag with a ramp limit (a drive's acceleration
/// ramp); flow = 0.05 · speed · min(valve openings) / 100 (the plant model's relation
/// <c>flow-follows-pump-and-valves</c>); discharge pressure grows with the square of speed (affinity laws) and
/// with throttling; motor current = 1.2 + 0.05 · flow (<c>motor-current-follows-flow</c>); supply voltage wanders as an
/// Ornstein–Uhlenbeck process; motor temperature follows current through a first-order lag (τ = 45 s); vibration
/// grows with the square of speed.</para>
/// <para>Valves move towards their set-points with a lag and a stroke-rate limit. The outlet valve is driven by a
/// proportional level controller. The tank level integrates flow · (inlet − outlet opening) / 600000 per second
/// (<c>tank-level-integrates-flows</c>); the fluid warms with the pump's work.</para>
/// <para>Conveyor: belt speed ramps to its set-point (0.4 m/s²), stops and starts now and then; motor current
/// follows belt speed; motor temperature lags current (τ = 60 s).</para>
/// <para>Noise is Gaussian per signal (<see cref="PlantSignal.NoiseStdDev"/>) and every reading is quantised to the
/// sensor's resolution. Everything random is drawn from one seeded stream in a fixed order, so a seed determines the
/// whole trajectory. In normal operation every reading stays inside its range and under its maximum rate.</para>
/// </remarks>
public sealed class PlantPhysics
{
    private const double Dt = 0.25;
    private const double PumpSpeedTau = 1.5;
    private const double PumpRamp = 500;           // rpm/s
    private const double ValveTau = 2.0;
    private const double ValveStroke = 10;         // %/s
    private const double LevelGain = 60;           // % outlet opening per m of level error
    private const double PumpMotorTau = 45;
    private const double FluidTau = 120;
    private const double VoltageTau = 300;
    private const double VoltageWanderStdDev = 0.5;  // V, stationary
    private const double BeltAcceleration = 0.4;   // m/s²
    private const double BeltTau = 1.0;
    private const double ConveyorMotorTau = 60;

    private static readonly int Speed = SamplePlant.IndexOf("pump1", "speed");
    private static readonly int Flow = SamplePlant.IndexOf("pump1", "flow");
    private static readonly int Pressure = SamplePlant.IndexOf("pump1", "pressure");
    private static readonly int PumpCurrent = SamplePlant.IndexOf("pump1", "motor_current");
    private static readonly int Voltage = SamplePlant.IndexOf("pump1", "motor_voltage");
    private static readonly int PumpTemp = SamplePlant.IndexOf("pump1", "motor_temp");
    private static readonly int Vibration = SamplePlant.IndexOf("pump1", "vibration");
    private static readonly int ValveIn = SamplePlant.IndexOf("valve_in", "opening");
    private static readonly int ValveOut = SamplePlant.IndexOf("valve_out", "opening");
    private static readonly int Level = SamplePlant.IndexOf("tank1", "level");
    private static readonly int FluidTemp = SamplePlant.IndexOf("tank1", "fluid_temp");
    private static readonly int Belt = SamplePlant.IndexOf("conveyor1", "belt_speed");
    private static readonly int BeltCurrent = SamplePlant.IndexOf("conveyor1", "motor_current");
    private static readonly int BeltTemp = SamplePlant.IndexOf("conveyor1", "motor_temp");

    private readonly GaussianRandom _random;
    private readonly PlantPhysicsOptions _options;
    private readonly double[] _truth = new double[SamplePlant.Signals.Count];
    private readonly double[] _measured = new double[SamplePlant.Signals.Count];

    private double _speedSetPoint = 2700;
    private double _valveInSetPoint = 80;
    private double _levelSetPoint = 1.0;
    private double _beltSetPoint = 1.8;
    private double _voltageWander;
    private bool _conveyorRunning = true;
    private double _nextPumpChange;
    private double _nextValveChange;
    private double _nextBeltChange;
    private double _nextConveyorEvent;
    private long _steps;

    /// <summary>Creates the plant in steady state at time zero.</summary>
    /// <param name="seed">Seed of every random draw (noise, set-point changes, conveyor stops).</param>
    /// <param name="options">Normal-operation behaviour; the defaults when null.</param>
    public PlantPhysics(int seed, PlantPhysicsOptions? options = null)
    {
        _random = new GaussianRandom(seed);
        _options = options ?? new PlantPhysicsOptions();

        _truth[Speed] = _speedSetPoint;
        _truth[ValveIn] = _valveInSetPoint;
        _truth[ValveOut] = _valveInSetPoint;
        _truth[Level] = _levelSetPoint;
        _truth[Belt] = _beltSetPoint;
        UpdateAlgebraic();
        _truth[PumpTemp] = PumpMotorSteadyTemp();
        _truth[FluidTemp] = FluidSteadyTemp();
        _truth[BeltTemp] = ConveyorMotorSteadyTemp();

        _nextPumpChange = NextInterval(_options.SetPointInterval);
        _nextValveChange = NextInterval(_options.SetPointInterval);
        _nextBeltChange = NextInterval(_options.SetPointInterval);
        _nextConveyorEvent = NextInterval(_options.ConveyorRunTime);
        Measure();
    }

    /// <summary>Simulated time since the start.</summary>
    public TimeSpan Time => SamplePlant.Period * _steps;

    /// <summary>Steps taken since the start.</summary>
    public long Steps => _steps;

    /// <summary>Whether the conveyor is running (false while stopped, including its run-down).</summary>
    public bool ConveyorRunning => _conveyorRunning;

    /// <summary>The current readings (noisy, quantised), indexed like <see cref="SamplePlant.Signals"/>.</summary>
    public ReadOnlySpan<double> Measurements => _measured;

    /// <summary>The current true process values, indexed like <see cref="SamplePlant.Signals"/>.</summary>
    public ReadOnlySpan<double> Truth => _truth;

    /// <summary>
    /// A pump speed set-point that overrides the operators' (a tampered set-point, a forced process change); null to
    /// hand control back to them.
    /// </summary>
    public double? SpeedSetPointOverride { get; set; }

    /// <summary>An inlet valve set-point that overrides the operators'; null to hand control back.</summary>
    public double? ValveInSetPointOverride { get; set; }

    /// <summary>A tank level set-point (of the outlet valve's level controller) that overrides the operators'; null to hand control back.</summary>
    public double? LevelSetPointOverride { get; set; }

    /// <summary>The current reading of one signal.</summary>
    public double Measured(string assetId, string signalId) => _measured[SamplePlant.IndexOf(assetId, signalId)];

    /// <summary>Advances the plant by one sample period and takes new readings.</summary>
    public void Step()
    {
        _steps++;
        var now = _steps * Dt;
        OperatorActions(now);

        // Pump drive: lag towards the set-point, limited by the acceleration ramp.
        var speedSetPoint = SpeedSetPointOverride ?? _speedSetPoint;
        var valveInSetPoint = ValveInSetPointOverride ?? _valveInSetPoint;
        var levelSetPoint = LevelSetPointOverride ?? _levelSetPoint;
        _truth[Speed] += Math.Clamp((speedSetPoint - _truth[Speed]) * Dt / PumpSpeedTau, -PumpRamp * Dt, PumpRamp * Dt);

        // Valves: the outlet is the level controller's output.
        var valveOutSetPoint = Math.Clamp(valveInSetPoint + (LevelGain * (_truth[Level] - levelSetPoint)), 40, 100);
        _truth[ValveIn] = MoveValve(_truth[ValveIn], valveInSetPoint);
        _truth[ValveOut] = MoveValve(_truth[ValveOut], valveOutSetPoint);

        // Tank mass balance, per the plant model's tank-level-integrates-flows relation.
        var flow = FlowOf(_truth[Speed], _truth[ValveIn], _truth[ValveOut]);
        _truth[Level] = Math.Clamp(_truth[Level] + (flow * (_truth[ValveIn] - _truth[ValveOut]) / 600000 * Dt), 0.05, 1.95);

        // Conveyor drive: lag towards the target speed, limited by the acceleration ramp.
        var beltTarget = _conveyorRunning ? _beltSetPoint : 0.0;
        var beltStep = Math.Clamp((beltTarget - _truth[Belt]) * Dt / BeltTau, -BeltAcceleration * Dt, BeltAcceleration * Dt);
        _truth[Belt] = Math.Max(0, _truth[Belt] + beltStep);
        if (!_conveyorRunning && _truth[Belt] < 0.002)
        {
            _truth[Belt] = 0;
        }

        // Ornstein–Uhlenbeck: the innovation σ·sqrt(2·dt/τ) keeps the stationary deviation at σ.
        _voltageWander += (-_voltageWander * Dt / VoltageTau) + _random.Normal(VoltageWanderStdDev * Math.Sqrt(2 * Dt / VoltageTau));
        UpdateAlgebraic();

        // First-order thermal lags (explicit Euler: Dt is far below every time constant).
        _truth[PumpTemp] += (PumpMotorSteadyTemp() - _truth[PumpTemp]) * Dt / PumpMotorTau;
        _truth[FluidTemp] += (FluidSteadyTemp() - _truth[FluidTemp]) * Dt / FluidTau;
        _truth[BeltTemp] += (ConveyorMotorSteadyTemp() - _truth[BeltTemp]) * Dt / ConveyorMotorTau;

        Measure();
    }

    private void OperatorActions(double now)
    {
        if (_options.SetPointChanges)
        {
            if (now >= _nextPumpChange)
            {
                _speedSetPoint = Math.Clamp(_speedSetPoint + _random.Uniform(-300, 300), 2300, 3000);
                _nextPumpChange = now + NextInterval(_options.SetPointInterval);
            }

            if (now >= _nextValveChange)
            {
                _valveInSetPoint = Math.Clamp(_valveInSetPoint + _random.Uniform(-15, 15), 60, 100);
                _levelSetPoint = Math.Clamp(_levelSetPoint + _random.Uniform(-0.15, 0.15), 0.8, 1.2);
                _nextValveChange = now + NextInterval(_options.SetPointInterval);
            }

            if (now >= _nextBeltChange)
            {
                _beltSetPoint = Math.Clamp(_beltSetPoint + _random.Uniform(-0.4, 0.4), 1.2, 2.4);
                _nextBeltChange = now + NextInterval(_options.SetPointInterval);
            }
        }

        if (_options.ConveyorCycling && now >= _nextConveyorEvent)
        {
            _conveyorRunning = !_conveyorRunning;
            _nextConveyorEvent = now + NextInterval(_conveyorRunning ? _options.ConveyorRunTime : _options.ConveyorStopTime);
        }
    }

    private static double MoveValve(double opening, double setPoint) =>
        opening + Math.Clamp((setPoint - opening) * Dt / ValveTau, -ValveStroke * Dt, ValveStroke * Dt);

    private static double FlowOf(double speed, double valveIn, double valveOut) =>
        0.05 * speed * Math.Min(valveIn, valveOut) / 100;

    private void UpdateAlgebraic()
    {
        var speedRatio = _truth[Speed] / 3000;
        var throttle = Math.Min(_truth[ValveIn], _truth[ValveOut]) / 100;
        _truth[Flow] = FlowOf(_truth[Speed], _truth[ValveIn], _truth[ValveOut]);
        _truth[Pressure] = 0.3 + (4.0 * speedRatio * speedRatio * (1.2 - (0.4 * throttle)));
        _truth[PumpCurrent] = 1.2 + (0.05 * _truth[Flow]);
        _truth[Voltage] = 230 + _voltageWander;
        _truth[Vibration] = 0.12 + (0.3 * speedRatio * speedRatio);
        _truth[BeltCurrent] = (1.5 * Math.Min(1, _truth[Belt] / 0.1)) + (3.2 * _truth[Belt]);
    }

    private double PumpMotorSteadyTemp() => 30 + (5 * _truth[PumpCurrent]);

    private double FluidSteadyTemp() => 22 + (0.1 * _truth[Flow]);

    private double ConveyorMotorSteadyTemp() => 28 + (4.5 * _truth[BeltCurrent]);

    private void Measure()
    {
        for (var i = 0; i < _measured.Length; i++)
        {
            var signal = SamplePlant.Signals[i];
            _measured[i] = signal.Quantize(_truth[i] + _random.Normal(signal.NoiseStdDev));
        }
    }

    private double NextInterval((TimeSpan Min, TimeSpan Max) range) =>
        _random.Uniform(range.Min.TotalSeconds, range.Max.TotalSeconds);
}
