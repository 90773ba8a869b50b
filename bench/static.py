"""A server that answers every request with the same small body: the load generator's ceiling.

``bench/run`` points the load generator at it with the same request paths and connection count
as a measured server. What it reaches is what the client, the loopback interface and the machine
allow at all; a server whose throughput comes near it is measured together with its client.

It parses nothing but the blank line that ends each request's head (the generator sends GETs
without bodies) and writes a fixed response, on uvloop (uvicorn's ``[standard]`` extra brings
it), so that its own cost stays far below any real server's.
"""

import argparse
import asyncio
from typing import cast

import uvloop

BODY = b'{"head": {}, "boolean": true}'
RESPONSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/sparql-results+json\r\n"
    b"content-length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY
)


class _Fixed(asyncio.Protocol):
    def __init__(self) -> None:
        self.pending = b""
        self.transport: asyncio.WriteTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.WriteTransport, transport)  # a TCP server's transport

    def data_received(self, data: bytes) -> None:
        self.pending += data
        count = self.pending.count(b"\r\n\r\n")
        if count and self.transport is not None:
            self.pending = self.pending.rsplit(b"\r\n\r\n", 1)[1]
            self.transport.write(RESPONSE * count)


async def _serve(host: str, port: int) -> None:
    server = await asyncio.get_running_loop().create_server(_Fixed, host, port, backlog=1024)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.static", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    uvloop.run(_serve(args.host, args.port))


if __name__ == "__main__":
    main()
