"""``gradwise rl`` runs an agent on an environment and reports; unknown names are clear errors."""
from gradwise import cli


def test_rl_command_solves_the_maze(capsys):
    assert cli.main(["rl", "--env", "maze", "--episodes", "200", "--eval-episodes", "3", "--print-every", "100"]) == 0
    out = capsys.readouterr().out
    assert "episode   100" in out and "return -16.00 +- 0.00, length 16.0" in out and "doctor: healthy" in out


def test_rl_command_runs_a_deep_agent(capsys):
    assert cli.main(["rl", "--env", "cartpole", "--agent", "reinforce", "--steps", "300", "--eval-episodes", "2",
                     "--print-every", "0"]) == 0
    assert "gradwise rl: reinforce on cartpole" in capsys.readouterr().out


def test_rl_command_unknown_environment(capsys):
    assert cli.main(["rl", "--env", "no-such-env"]) == 2
    assert "unknown environment 'no-such-env'" in capsys.readouterr().err
