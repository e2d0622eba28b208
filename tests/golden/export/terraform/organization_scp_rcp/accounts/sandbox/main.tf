# Written by `iamdsl export --format terraform` from organization_scp_rcp.iam.
# Account sandbox (400000000004): apply with credentials for this account.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80"
    }
  }
}

provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["400000000004"]
}

resource "aws_iam_role" "Developer" {
  name = "Developer"
  path = "/"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = []
  })
}

resource "aws_iam_role_policy_attachment" "Developer_AdministratorAccess" {
  role       = aws_iam_role.Developer.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
