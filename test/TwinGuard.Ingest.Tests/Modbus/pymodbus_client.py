"""One Modbus TCP request with Debian's python3-pymodbus client; prints the outcome as one JSON line.

Usage: pymodbus_client.py HOST PORT read_holding ADDRESS COUNT
       pymodbus_client.py HOST PORT write_register ADDRESS VALUE
       pymodbus_client.py HOST PORT write_registers ADDRESS VALUE [VALUE ...]
       pymodbus_client.py HOST PORT write_coil ADDRESS 0|1
Output: {"ok": true, "registers": [...]} or {"ok": false, "exception": CODE} or {"ok": false, "error": "..."}.
"""
import json
import sys

from pymodbus.client import ModbusTcpClient
from pymodbus.pdu import ExceptionResponse


def main():
    host, port, op = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    args = [int(a) for a in sys.argv[4:]]
    client = ModbusTcpClient(host, port=port, timeout=15, retries=0)
    if not client.connect():
        print(json.dumps({"ok": False, "error": "cannot connect"}))
        return
    try:
        if op == "read_holding":
            response = client.read_holding_registers(args[0], args[1], slave=1)
        elif op == "write_register":
            response = client.write_register(args[0], args[1], slave=1)
        elif op == "write_registers":
            response = client.write_registers(args[0], args[1:], slave=1)
        elif op == "write_coil":
            response = client.write_coil(args[0], bool(args[1]), slave=1)
        else:
            raise SystemExit(f"unknown operation {op}")
    except Exception as error:  # pymodbus raises on I/O failures; the test wants them as data
        print(json.dumps({"ok": False, "error": str(error)}))
        return
    finally:
        client.close()
    if isinstance(response, ExceptionResponse):
        print(json.dumps({"ok": False, "exception": response.exception_code}))
    elif response.isError():
        print(json.dumps({"ok": False, "error": str(response)}))
    else:
        print(json.dumps({"ok": True, "registers": list(getattr(response, "registers", []) or [])}))


main()
