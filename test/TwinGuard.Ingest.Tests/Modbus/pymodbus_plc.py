"""A Modbus TCP PLC for TwinGuard's tests: Debian's python3-pymodbus server on 127.0.0.1.

Usage: pymodbus_plc.py PORT [HR_ADDRESS=VALUE ...]
Holds 200 coils, discrete inputs, holding and input registers at protocol addresses 0..199 (zero_mode: address N is
register N). Input register N and discrete input N start as N and N % 2, holding registers and coils as 0 unless set
on the command line. Prints "listening" once the socket is bound; runs until killed or stdin closes.
"""
import asyncio
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartAsyncTcpServer


async def main():
    port = int(sys.argv[1])
    holding = [0] * 200
    for arg in sys.argv[2:]:
        address, value = arg.split("=")
        holding[int(address)] = int(value)
    slave = ModbusSlaveContext(
        di=ModbusSequentialDataBlock(0, [i % 2 for i in range(200)]),
        co=ModbusSequentialDataBlock(0, [0] * 200),
        hr=ModbusSequentialDataBlock(0, holding),
        ir=ModbusSequentialDataBlock(0, list(range(200))),
        zero_mode=True,
    )
    server = await StartAsyncTcpServer(context=ModbusServerContext(slaves=slave, single=True),
                                       address=("127.0.0.1", port), defer_start=True, allow_reuse_address=True)
    task = asyncio.create_task(server.serve_forever())
    while server.server is None:
        if task.done():
            # It stopped without listening: its error (a port taken meanwhile says "address already in use") on stderr,
            # where the test looks for it to start again on another port.
            task.result()
            sys.exit("pymodbus_plc.py: the server stopped before it listened")
        await asyncio.sleep(0.01)
    print("listening", flush=True)
    # The test owns this process: when it closes stdin (or dies), the PLC stops.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    task.cancel()


asyncio.run(main())
