// A line-based chat room on Synack: every line a client sends goes to everyone else; /nick NAME, /who, /quit.
// One client that never reads is disconnected once MaxPendingSendBytes wait for it, and never slows the others.
//
//   dotnet run -c Release --project samples/Chat                 # listens on 127.0.0.1:7070 (or pass another address)
//   nc 127.0.0.1 7070                                            # in two or more terminals
using Chat;

string listen = args.Length > 0 ? args[0] : "127.0.0.1:7070";
await using ChatRoom room = ChatRoom.Start(listen);
Console.WriteLine($"chat on {room.Server.LocalEndPoints[0]} ({room.Server.Transport}); Ctrl-C to stop");
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
await stop.Task;
