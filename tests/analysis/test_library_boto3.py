"""The boto3 model: only a Bedrock runtime client (`boto3.client("bedrock-runtime")`, or a
session's `.client(...)`) is a client whose `converse` / `invoke_model` are recognised."""

from __future__ import annotations

from pathlib import Path

from library_support import prompts

CODE = '''\
import boto3

{setup}


def ask(q):
    return brt.converse(modelId="anthropic.claude-3-7-sonnet-20250219-v1:0", system=[{{"text": "Be kind."}}],
                        messages=[{{"role": "user", "content": [{{"text": q}}]}}])
'''


def test_a_bedrock_runtime_client_is_recognised(tmp_path: Path) -> None:
    setups = ['brt = boto3.client("bedrock-runtime", region_name="us-east-1")',
              'brt = boto3.client(service_name="bedrock-runtime")',
              'brt = boto3.Session(profile_name="dev").client("bedrock-runtime")',
              'brt = boto3.session.Session().client(service_name="bedrock-runtime")']
    for i, setup in enumerate(setups):
        root = tmp_path / str(i)
        root.mkdir()
        (prompt,) = prompts(root, CODE.format(setup=setup))
        assert prompt.call.provider == "anthropic"
        assert prompt.call.api == "bedrock.converse"
        assert (prompt.segments[0].slot, prompt.segments[0].text) == ("system[0].text", "Be kind.")


def test_clients_of_other_services_are_not(tmp_path: Path) -> None:
    setups = ['brt = boto3.client("bedrock-agent-runtime")', 'brt = boto3.client("s3")',
              'brt = boto3.client(SERVICE)', 'brt = boto3.resource("bedrock-runtime")']
    for i, setup in enumerate(setups):
        root = tmp_path / str(i)
        root.mkdir()
        assert prompts(root, CODE.format(setup=f"import os\nSERVICE = os.environ['S']\n{setup}")) == []
