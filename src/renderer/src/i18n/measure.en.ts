/**
 * English strings of measured runs in the UI (merged into en.ts as `measure`): the "Measure on
 * QEMU" action in Configure, what Live says about a measured run, calibration in a measured run's
 * detail and the host presets it saves. QEMU's own names are never translated.
 */
const measureEn = {
  action: 'Measure on QEMU',
  starting: 'Starting QEMU…',
  accel: 'Accelerator',
  accelAuto: 'Accelerator: automatic ({accel} first)',
  accelHelp:
    'KVM needs a usable /dev/kvm; a KVM that does not boot the guest falls back to TCG after 20 s. TCG runs anywhere, a whole CPU per QEMU.',
  verify: 'Verify memory',
  verifyHelp:
    'After completion, compare both guests’ RAM page by page (the lab’s oracle on a real QEMU; takes a few seconds more).',
  checking: 'Checking whether this host can run QEMU…',
  available: 'Runs this config on QEMU {version} ({accel}) on this host and records it as a measured run.',
  availableBuild:
    'Runs this config on QEMU {version} ({accel}) on this host and records it as a measured run. The first run builds the guest image (a minute or two).',
  unavailable: 'Measuring is not possible on this host: {reasons}',
  invalidConfig: 'Fix the config’s problems first.',
  warnings: 'Note: {warnings}',
  live: {
    badge: 'Measured on QEMU {version} ({accel})',
    badgeStarting: 'Measuring on QEMU {version}',
    running: 'Measuring',
    note: 'A real QEMU migrates the guest on this host; query-migrate is read every 100 ms and drawn as it comes.',
    verifying: 'with memory verification'
  },
  calibrate: {
    title: 'Calibrate the host model',
    help: 'Fits the host cost model (stop, sync cost, sender throughput, destination load) so the simulation of this config comes closer to what QEMU measured: the same fit as migration-lab calibrate.',
    action: 'Calibrate host model',
    running: 'Calibrating: simulating this config with candidate host models…',
    failed: 'Calibration failed: {message}',
    figure: 'Figure',
    measured: 'Measured',
    before: 'Simulated before',
    after: 'Simulated after',
    notFitted: '(not fitted)',
    loss: '{evaluations} simulations; loss {before} → {after}',
    hostTitle: 'Fitted host model',
    field: 'Field',
    was: 'Was',
    now: 'Now',
    presetName: 'Preset name',
    presetDefault: 'host calibrated on run {id}',
    save: 'Save as host preset',
    saved: 'Saved as host preset “{name}”. Configure lists it under the host section.',
    saveFailed: 'The preset could not be saved: {message}'
  },
  presets: {
    label: 'Host preset',
    none: 'Choose a saved host preset…',
    help: 'Host models saved from calibrations of measured runs. Choosing one sets every field of this section.',
    applied: 'Host model set from “{name}”.',
    failed: 'The host presets could not be read: {message}'
  }
}

export default measureEn
